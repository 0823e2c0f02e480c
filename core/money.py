"""Money is exact: integer fen (分) everywhere, yuan only for display and for what people type."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

#: Nothing a township fines or rewards comes near this; larger is a typing error.
MAX_FEN = 100_000_000_000  # ¥1,000,000,000

_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)(万)?$")


def parse_yuan(text: str) -> int | None:
    """'80000', '80,000.50', '¥8万', '８万元', '1.5万' → fen; None if it is not an amount ≥ 0.

    More than two decimals of a yuan (or six of 万) is not an amount anyone means: refused.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    folded = folded.replace(",", "").replace(" ", "").lstrip("¥￥").removesuffix("元").removesuffix("RMB")
    match = _AMOUNT.match(folded)
    if not match:
        return None
    try:
        amount = Decimal(match[1]) * (10_000 if match[2] else 1) * 100
    except InvalidOperation:
        return None
    if amount != amount.to_integral_value() or amount > MAX_FEN:
        return None
    return int(amount)


def format_yuan(fen: int) -> str:
    """12000_00 → '¥12,000'; 1234_56 → '¥1,234.56'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}" + (f".{cents:02d}" if cents else "")
