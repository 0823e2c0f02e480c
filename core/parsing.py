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


#: A landline written with its area code set apart: 0531-12345678, (0531)12345678, 010 - 1234 5678.
_LANDLINE = re.compile(r"\(?(0\d{2,3})\s*[-)]\s*(.+)")


def normalize_phone(text: str) -> str | None:
    """The phone number typed, without spaces and brackets; a landline keeps the dash after its area
    code, as it is written and dialled (0531-12345678); None if it is not a phone number."""
    folded = unicodedata.normalize("NFKC", text).strip()
    digits = re.sub(r"[\s\-()]", "", folded)
    if not re.fullmatch(r"\+?[0-9]{5,15}", digits):
        return None
    if (landline := _LANDLINE.fullmatch(folded)) and re.fullmatch(r"[0-9]{7,8}", rest := digits[len(landline[1]) :]):
        return f"{landline[1]}-{rest}"
    return digits
