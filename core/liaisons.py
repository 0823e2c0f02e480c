"""Units and their liaisons (docs/DOMAIN.md section 7.1): the contact table of seed 000 附件2 and seed 002
附件2, one current liaison per unit.

A liaison is an official reporting for their unit, known to the office by name and work phone (the
county's own form lists them), so the contact table is kept in plaintext, unlike anything about a
reporter. It names no tip and is never linked to one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.parsing import normalize_phone
from core.taxonomy import Term
from core.tips import KEPT_PHONE_PATTERN

UNIT_KINDS = (
    Term("village", "村", "Village"),
    Term("community", "社区", "Community"),
    Term("department", "镇直部门", "Township department"),
)
UNIT_KIND_CODES = frozenset(t.code for t in UNIT_KINDS)

_Text = Annotated[str, Field(min_length=1, max_length=40)]


class Contact(BaseModel):
    """One row of the contact table: 单位负责人, 职务, 联系电话, 联络员, 职务, 联系电话, QQ号码, 备注."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    head: _Text
    head_title: _Text
    head_phone: str
    name: _Text
    title: _Text
    phone: str
    qq: Annotated[str, Field(pattern=r"^([1-9][0-9]{4,11})?$")] = ""
    note: Annotated[str, Field(max_length=200)] = ""

    @field_validator("head_phone", "phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        """A typed number is checked by core.parsing.normalize_phone (the form asks with it); a contact
        kept under the looser rule before it still reads."""
        phone = normalize_phone(value)
        if phone is None and not re.fullmatch(KEPT_PHONE_PATTERN, value):
            raise ValueError("not a phone number")
        return phone or value


def parse_qq(text: str) -> str | None:
    """A QQ number (5 to 12 digits, not starting with 0); None if it is not one."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    # ASCII digits only: ١٢٣٤٥ is digits to Python but not a QQ number to the contact table (Contact.qq).
    is_qq = folded.isascii() and folded.isdigit() and not folded.startswith("0") and 5 <= len(folded) <= 12
    return folded if is_qq else None
