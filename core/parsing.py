"""Parsers of what people type: tip numbers, counts, days, phone numbers.

Each takes text as typed (full-width digits, Chinese numerals, spaces) and returns the value, or
None when the text is not one; callers say why in their own words.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from core.tips import format_tip_number

_NUMBER = re.compile(r"^JB(\d{4})-?(\d{1,6})$")


def parse_tip_number(text: str) -> str | None:
    """'jb2026-123', 'JB2026 000123', full-width characters… → 'JB2026-000123'; else None."""
    folded = unicodedata.normalize("NFKC", text).upper().replace(" ", "").replace("_", "-")
    match = _NUMBER.match(folded)
    if not match or int(match[2]) == 0:
        return None
    return format_tip_number(int(match[1]), int(match[2]))


# -- numbers people type -----------------------------------------------------------------------

_CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_D, _D1 = "[一二两三四五六七八九]", "[一二三四五六七八九]"
#: The numerals parse_count reads: 三, 十二, 一十二, 三十五, 两百, 一百零五, 一百一十, 九百九十九.
_CHINESE_NUMBER = re.compile(rf"[零〇一二两三四五六七八九]|{_D}?十{_D1}?|{_D}?百(?:[零〇]{_D1}|{_D}?十{_D1}?)?")


def parse_count(text: str) -> int | None:
    """A whole number ≥ 0 as people type it: '3', '３', '三', '十二', '3人'; None if it is not one."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip("人名个")
    if folded.isdigit():
        try:
            return int(folded)
        except ValueError:  # ፩ is a digit but not a decimal one; ⑳×2200 is 4,400 digits, past int()'s limit
            return None
    if not _CHINESE_NUMBER.fullmatch(folded):  # 两三 (two or three), 一〇五: refused rather than misread
        return None
    total, current = 0, 0
    for ch in folded:
        if ch in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[ch]
        else:
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
    return total + current


def parse_day(text: str, today: date) -> date | None:
    """'2026-11-23', '2026/11/23', '２０２６-１１-２３', 'today' or '今天' → a date not after today; else None."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if folded in ("today", "今天", "今日"):
        return today
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", folded)
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if day <= today else None


# -- phone numbers ------------------------------------------------------------------------------

#: A mobile number: 11 digits, 1 then 3 to 9 (130…199).
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
#: An area code (区号): 010 and 020…029 have three digits, every other one four (0311…0999).
_AREA = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})")
#: The local number after the area code: 7 or 8 digits, never starting with 0 or 1.
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
#: A landline written with its area code set apart: 0531-12345678, (0531)12345678, 010 - 1234 5678.
_LANDLINE = re.compile(r"\(?(0[0-9]{2,3})\s*[-)]\s*(.+)")
#: A number and its extension (分机): 0730-5172110转801, 0730-5172110-801, 0730 5172110 ext. 801.
_EXTENSION = re.compile(r"(.+?)\s*(?:转|分机|ext\.?|x|#|-)\s*([0-9]{1,6})", re.IGNORECASE)


def normalize_phone(text: str) -> str | None:
    """A Chinese phone number as typed, checked and written one way; None if it is not one. The one
    rule for every phone people type (a reporter's, a liaison's, their unit head's):

    - a mobile number: 11 digits starting with 1 then 3 to 9 → "13800138000";
    - a landline with its area code: 0 and two digits for 010 and 020…029, 0 and three digits for
      every other area, then a local number of 7 or 8 digits not starting with 0 or 1 →
      "0730-5172110"; the dash after the area code is kept only where it was typed (or the area code
      was in brackets): "0730 5172110" → "07305172110". An extension (分机) of 1 to 6 digits may follow
      after 转, 分机, ext, x, # or a dash → "0730-5172110-801".

    Spaces, dashes and brackets may stand anywhere; full-width characters are read as their ASCII;
    +86 or 0086 in front is dropped (a landline written +86 730 5172110 gets its 0 back). A number
    without an area code, a service number (12350), too few or too many digits: None."""
    folded = unicodedata.normalize("NFKC", text).strip()
    whole = _phone_number(folded)
    if whole is not None:
        return whole
    split = _EXTENSION.fullmatch(folded)
    landline = _phone_number(split[1]) if split else None
    return f"{landline}-{split[2]}" if landline is not None and landline.startswith("0") else None


def _phone_number(text: str) -> str | None:
    digits = re.sub(r"[\s\-()]", "", text)
    international = re.match(r"(?:\+|00)86", digits)
    digits = digits[international.end() :] if international else digits
    if not (digits.isascii() and digits.isdigit()):
        return None
    if _MOBILE.fullmatch(digits):
        return digits
    if international and not digits.startswith("0"):
        digits = "0" + digits
    area = _AREA.match(digits)
    if area is None or not _LOCAL.fullmatch(digits[area.end() :]):
        return None
    typed = _LANDLINE.fullmatch(text)
    return f"{area[0]}-{digits[area.end() :]}" if typed and typed[1] == area[0] and not international else digits
