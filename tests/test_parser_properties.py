"""Property tests for every parser of what people type (or what a link or a button carries).

Township liaisons, reporters and staff type on phones: full-width digits, 、，commas, ideographic
spaces, Chinese numerals, units after numbers. What each parser must do, for any input hypothesis
can think of:

- monthly figures (core.figures): the one-message form of templates A and B, in zh and en, filled
  with arbitrary values typed those ways, parses back to exactly those values, whole or line by
  line; any text gives values or problems and never raises; parse_value never raises, refuses
  negatives, stays within MAX_VALUE and round-trips format_value;
- counts, days, phone and QQ numbers, money (core.tips, core.liaisons, core.money): what is typed
  comes back, what is read is what was meant (a Chinese numeral is read as meant or refused, never
  misread), what is accepted is what the models that store it accept, nothing raises;
- tip numbers (core.tips): typed variants come back canonical; anything else is None or a
  canonical number that re-parses to itself;
- periods (core.periods): months and quarters round-trip and have labels; anything else accepted
  is the canonical period key the tables are stored under;
- deep-link payloads (core.links): payload → parse → payload is stable, no input raises, a link
  carries only known industries and villages;
- receipt codes (core.receipts.normalize_code): any spacing/dash/full-width variant gives back
  the code, garbage is None (format_code of any integer is in test_receipts.py);
- sealing (core.crypto): round trip under arbitrary associated data; any flipped bit, truncation
  or other associated data is refused (test_crypto.py covers payloads and fixed positions).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import crypto, links, receipts
from core.figures import MAX_VALUE, TEMPLATE_A, TEMPLATE_B, Column, Template, form_text, format_value, parse_form
from core.figures import parse_value as figure_value
from core.liaisons import Contact, parse_qq
from core.money import MAX_FEN, format_yuan, parse_yuan
from core.parsing import normalize_phone, parse_count, parse_day, parse_tip_number
from core.periods import month_label, parse_month, parse_quarter, quarter_label
from core.taxonomy import INDUSTRY_BY_CODE
from core.tips import Identity, format_tip_number

TEMPLATES = (TEMPLATE_A, TEMPLATE_B)
COLUMNS = tuple({(t.code, c.code): c for t in TEMPLATES for c in t.typed}.values())
FAST = settings(max_examples=100, deadline=None)
HEAVY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- how people type ------------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789.-+", "０１２３４５６７８９．－＋")
#: Every character Python calls a digit: ٣ (Arabic-Indic), ፩ (Ethiopic, a digit but not a decimal),
#: ² and ⑳ (NFKC turns ⑳ into two digits)…: what a phone's other keyboards or a paste can bring.
ODD_DIGITS = sorted(chr(c) for c in range(0x110000) if chr(c).isdigit() and not "0" <= chr(c) <= "9")
_NUMBERISH = (
    "0123456789０１２３４５６７８９-－−+.．,，、 \u3000()（）:：" + "零〇一二两三四五六七八九十百千万元家处件人次名个"
)
#: Anything: arbitrary Unicode, or text made of the characters numbers are typed with.
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.one_of(st.sampled_from(_NUMBERISH), st.sampled_from(ODD_DIGITS)), max_size=30),
)
SPACE = st.sampled_from(["", " ", "  ", "\u3000", "\u00a0"])  # NFKC makes the last two plain spaces
_ZH = "零一二三四五六七八九"


@st.composite
def mixed_width(draw: st.DrawFn, text: str) -> str:
    """Some of the digits (and . - +) full-width, as a Chinese IME left in full-width mode types them."""
    flags = draw(st.integers(0, 2 ** len(text) - 1))  # one bit a character: one draw, quick to shrink
    return "".join(ch.translate(_FULL_WIDTH) if flags >> i & 1 else ch for i, ch in enumerate(text))


def grouped(digits: str, sep: str) -> str:
    """'1234567' → '1,234,567' with the given thousands separator."""
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@st.composite
def chinese_numeral(draw: st.DrawFn, n: int) -> str:
    """0 ≤ n ≤ 999 the way it is written in Chinese: 〇, 两, 十二 or 一十二, 一百零五, 两百三十."""
    zero = draw(st.sampled_from("零〇"))
    if n == 0:
        return zero
    if n == 2:
        return draw(st.sampled_from("二两"))
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    text = ""
    if hundreds:
        text += (draw(st.sampled_from("二两")) if hundreds == 2 else _ZH[hundreds]) + "百"
    if tens == 1:
        text += draw(st.sampled_from(["十", "一十"]))
    elif tens:
        text += _ZH[tens] + "十"
    elif hundreds and units:
        text += zero
    return text + (_ZH[units] if units else "")


@st.composite
def typed_count(draw: st.DrawFn, n: int) -> str:
    """A whole number as a person types it (without a unit): 1200, 1,200, １２００, 一千… (≤ 999)."""
    digits = str(n)
    forms = [st.just(digits), st.just("0" + digits)]
    if n >= 1000:
        forms.append(st.sampled_from([",", "，", " "]).map(lambda sep: grouped(digits, sep)))
    text = draw(st.one_of(forms))
    if n <= 999 and draw(st.booleans()):
        return draw(chinese_numeral(n))
    return draw(mixed_width(text))


@st.composite
def typed_wan(draw: st.DrawFn, yuan: int) -> str:
    """Yuan typed as 万元 with up to 4 decimals: 12.3456, 1,200.5, １２．３４５６, 3.1000, 7."""
    whole, frac = divmod(yuan, 10_000)
    decimals = f"{frac:04d}".rstrip("0")
    if decimals and draw(st.booleans()):
        decimals = f"{frac:04d}"  # trailing zeros kept: 1.5000
    head = grouped(str(whole), draw(st.sampled_from(["", ",", "，"])))
    text = head + ("." + decimals if decimals else "")
    return draw(mixed_width(text))


@st.composite
def typed_value(draw: st.DrawFn, column: Column, value: int) -> str:
    """What a liaison types for `value` in `column`, maybe followed by the unit: 12家, 1.5 万元, 三人次."""
    number = draw(typed_wan(value)) if column.kind == "money" else draw(typed_count(value))
    units = ["", column.unit, re.sub(r"[（）()]", "", column.unit)]
    if column.kind == "money":
        units.append("万")
    unit = draw(st.sampled_from(units))
    return number + (draw(SPACE) + unit if unit else "")


# -- monthly figures: the one-message form ---------------------------------------------------------

_CHATTER = ["以下是本月数据", "备注：无", "谢谢！", "单位：西山村", "Thanks:", "", "  "]


@st.composite
def filled_form(draw: st.DrawFn) -> tuple[Template, list[str], dict[str, int | None]]:
    """The bot's own form (form_text), filled in line by line; some lines left blank, chatter between."""
    template = draw(st.sampled_from(TEMPLATES))
    lang = draw(st.sampled_from(["zh", "en"]))
    lines, expected = [], {}
    for column, line in zip(template.typed, form_text(template, lang).splitlines(), strict=True):
        ending = "：" if lang == "zh" else ": "  # English: no full-width colon, no Chinese unit
        assert line.endswith(ending), line
        name = line.removesuffix(ending)
        if draw(st.booleans()):
            name = name.replace("（", "(").replace("）", ")")
        if lang == "en" and draw(st.booleans()):
            name = draw(st.sampled_from([name.upper(), name.lower()]))
        colon = draw(st.sampled_from(["：", ":"]))
        limit = MAX_VALUE if draw(st.booleans()) else 999
        value = draw(st.none() | st.integers(0, limit))
        answer = "" if value is None else draw(typed_value(column, value))
        lines.append(draw(SPACE) + name + draw(SPACE) + colon + draw(SPACE) + answer + draw(SPACE))
        expected[column.code] = value
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(_CHATTER)))
    return template, lines, expected


@HEAVY
@given(filled_form())
def test_a_liaisons_filled_in_form_comes_back_exactly(form):
    template, lines, expected = form
    values, problems = parse_form(template, "\n".join(lines))
    assert problems == {}
    assert values == expected


@HEAVY
@given(filled_form())
def test_form_lines_sent_again_one_by_one_read_the_same_as_the_whole_form(form):
    template, lines, _expected = form
    whole_values, whole_problems = parse_form(template, "\n".join(lines))
    merged: dict[str, int | None] = {}
    for line in lines:
        values, problems = parse_form(template, line)
        assert len(values) <= 1 and not any(problems.values())  # one line: at most its own column
        merged.update(values)
    assert merged == whole_values and whole_problems == {}


@st.composite
def messy_form(draw: st.DrawFn) -> tuple[Template, str]:
    """Lines that name columns but hold anything at all, mixed with arbitrary text."""
    template = draw(st.sampled_from(TEMPLATES))
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            column = draw(st.sampled_from(template.typed))
            lines.append(f"{column.label(draw(st.sampled_from(['zh', 'en'])))}：{draw(ANY_TEXT)}")
        else:
            lines.append(draw(ANY_TEXT))
    return template, draw(st.sampled_from(["\n", "\r\n"])).join(lines)


@HEAVY
@given(messy_form())
def test_any_message_gives_values_or_problems_and_never_raises(case):
    template, text = case
    values, problems = parse_form(template, text)
    typed = {c.code for c in template.typed}
    assert set(values) | set(problems) == typed  # every column either read or asked again
    assert all(v is None or 0 <= v <= MAX_VALUE for v in values.values())
    assert all(isinstance(answer, str) for answer in problems.values())


@FAST
@given(st.sampled_from(COLUMNS), ANY_TEXT)
@example(TEMPLATE_A.column("hazards"), "፩")  # a digit to Python, not a decimal one
@example(TEMPLATE_A.column("hazards"), "⑳" * 2200)  # 4,400 digits after NFKC, in one 4,096-character message
def test_parse_value_never_raises_and_stays_within_bounds(column, text):
    value = figure_value(column, text)
    assert value is None or (isinstance(value, int) and 0 <= value <= MAX_VALUE)


@FAST
@given(st.sampled_from(COLUMNS), st.integers(1, MAX_VALUE), st.sampled_from(["-", "－", "−", "- "]), st.data())
def test_a_negative_figure_is_refused_never_read(column, value, minus, data):
    typed = data.draw(typed_value(column, value))
    assert figure_value(column, minus + typed) is None


@FAST
@given(st.sampled_from(COLUMNS), st.integers(0, MAX_VALUE), st.data())
def test_a_typed_figure_is_read_exactly(column, value, data):
    typed = data.draw(typed_value(column, value))
    assert figure_value(column, data.draw(SPACE) + typed + data.draw(SPACE)) == value


@FAST
@given(st.sampled_from(COLUMNS), st.integers(0, MAX_VALUE))
def test_format_value_reads_back_as_the_same_value(column, value):
    assert figure_value(column, format_value(column, value)) == value


@FAST
@given(st.sampled_from(COLUMNS), st.integers(MAX_VALUE + 1, 10**18))
def test_a_figure_beyond_the_bound_is_refused(column, value):
    assert figure_value(column, format_value(column, value)) is None


@FAST
@given(st.sampled_from([c for c in COLUMNS if c.kind == "money"]), st.integers(0, 10**8), st.integers(1, 9))
def test_money_finer_than_a_yuan_is_refused(column, yuan, fifth):
    assert figure_value(column, f"{format_value(column, yuan).split('.')[0]}.0000{fifth}") is None


@FAST
@given(st.sampled_from([c for c in COLUMNS if c.kind == "count"]), st.integers(0, 10**6), st.integers(1, 9))
def test_a_count_with_a_fraction_is_refused(column, whole, tenth):
    assert figure_value(column, f"{whole}.{tenth}") is None


# -- counts, days, phones, QQ numbers, money ------------------------------------------------------


@FAST
@given(st.integers(0, 10**15), st.sampled_from(["", "人", "名", "个"]), st.data())
def test_a_typed_count_is_read_exactly(n, suffix, data):
    digits = str(n)
    text = data.draw(chinese_numeral(n)) if n <= 999 and data.draw(st.booleans()) else data.draw(mixed_width(digits))
    assert parse_count(data.draw(SPACE) + text + suffix + data.draw(SPACE)) == n


@FAST
@given(ANY_TEXT)
@example("፩")
@example("⑳" * 2200)
def test_parse_count_never_raises_and_never_returns_a_negative(text):
    n = parse_count(text)
    assert n is None or (isinstance(n, int) and n >= 0)


@FAST
@given(st.integers(10, 999), st.data())
def test_a_chinese_number_is_read_as_meant_or_refused_never_misread(n, data):
    by_digit = "".join(data.draw(st.sampled_from("零〇")) if d == "0" else _ZH[int(d)] for d in str(n))
    assert parse_count(by_digit) in (None, n)  # 一〇五 is 105, never 5
    hundreds, tens = divmod(n // 10, 10)
    if hundreds and tens:  # 一百五 is 150 to whoever says it, never 105
        assert parse_count(f"{_ZH[hundreds]}百{_ZH[tens]}") in (None, hundreds * 100 + tens * 10)


@pytest.mark.parametrize("rough", ["两三", "三五", "七八个", "十二三", "二十百"])
def test_a_rough_number_is_refused_not_read_as_one_of_its_digits(rough):
    assert parse_count(rough) is None  # 两三个: two or three, not 3


@st.composite
def typed_day(draw: st.DrawFn, day: date) -> str:
    month = draw(st.sampled_from([f"{day.month}", f"{day.month:02d}"]))
    dom = draw(st.sampled_from([f"{day.day}", f"{day.day:02d}"]))
    first, second, last = draw(st.sampled_from([("-", "-", ""), ("/", "/", ""), (".", ".", ""), ("年", "月", "日"),
                                                ("年", "月", "")]))  # fmt: skip
    text = draw(mixed_width(f"{day.year:04d}")) + first + draw(mixed_width(month)) + second
    return draw(SPACE) + text + draw(mixed_width(dom)) + last + draw(SPACE)


@FAST
@given(st.dates(date(1000, 1, 1), date(2200, 12, 31)), st.integers(-2000, 3000), st.data())
def test_a_typed_day_is_read_exactly_and_a_future_one_refused(day, offset, data):
    today = day + timedelta(days=offset)
    typed = data.draw(typed_day(day))
    assert parse_day(typed, today) == (day if day <= today else None)


@FAST
@given(ANY_TEXT, st.dates(date(2000, 1, 1), date(2100, 1, 1)))
@example("today", date(2026, 11, 23))
@example(" 今天 ", date(2026, 11, 23))
@example("TODAY", date(2026, 11, 23))
def test_parse_day_gives_none_or_a_day_not_after_today(text, today):
    day = parse_day(text, today)
    assert day is None or day <= today
    if text.strip().lower() in ("today", "今天", "今日"):
        assert day == today


@st.composite
def with_separators(draw: st.DrawFn, digits: str, separators: str) -> str:
    """Separators sprinkled between the characters, some characters full-width."""
    where = st.dictionaries(
        st.integers(1, len(digits) - 1), st.text(st.sampled_from(separators), min_size=1, max_size=2)
    )
    gaps = draw(where if len(digits) > 1 else st.just({}))
    out = "".join(gaps.get(i, "") + ch for i, ch in enumerate(digits))
    return draw(SPACE) + draw(mixed_width(out)) + draw(SPACE)


#: The numbers core.parsing.normalize_phone takes: a mobile number; a landline with its area code.
PHONES = r"1[3-9][0-9]{9}|0(10|2[0-9]|[3-9][0-9]{2})[2-9][0-9]{6,7}"


@FAST
@given(st.from_regex(PHONES, fullmatch=True), st.data())
def test_a_typed_phone_number_comes_back_as_its_digits(phone, data):
    typed = data.draw(with_separators(phone, " -()（）－\u3000"))
    assert normalize_phone(typed).replace("-", "") == phone  # a landline keeps its area code's dash


@FAST
@given(ANY_TEXT)
def test_what_normalize_phone_accepts_is_a_phone_the_records_accept(text):
    phone = normalize_phone(text)
    if phone is not None:
        assert normalize_phone(phone) == phone
        assert Identity(name="张三", phone=phone).phone == phone


def _contact(qq: str) -> Contact:
    return Contact(head="王五", head_title="村主任", head_phone="13800138000", name="李四", title="联络员",
                   phone="0730-5172110", qq=qq)  # fmt: skip


@FAST
@given(st.from_regex(r"[1-9][0-9]{4,11}", fullmatch=True), st.data())
def test_a_typed_qq_number_comes_back(qq, data):
    assert parse_qq(data.draw(with_separators(qq, " \u3000"))) == qq


@FAST
@given(ANY_TEXT)
@example("١٢٣٤٥٦")  # Arabic-Indic digits: digits to Python, not to the contact table
def test_what_parse_qq_accepts_is_a_qq_number_the_contact_table_accepts(text):
    qq = parse_qq(text)
    if qq is not None:
        assert _contact(qq).qq == qq


@FAST
@given(st.integers(0, MAX_FEN), st.data())
def test_an_amount_as_shown_or_typed_comes_back_in_fen(fen, data):
    assert parse_yuan(format_yuan(fen)) == fen
    yuan, cents = divmod(fen, 100)
    number = grouped(str(yuan), data.draw(st.sampled_from(["", ",", "，"]))) + (f".{cents:02d}" if cents else "")
    if data.draw(st.booleans()):  # in 万: 8万, 1.25万, 0.000001万 (one fen)
        number = f"{(Decimal(fen) / 1_000_000).normalize():f}万"
    text = data.draw(st.sampled_from(["", "¥", "￥"])) + data.draw(mixed_width(number))
    assert parse_yuan(text + data.draw(st.sampled_from(["", "元"]))) == fen


@FAST
@given(ANY_TEXT)
def test_parse_yuan_gives_none_or_an_amount_within_bounds(text):
    fen = parse_yuan(text)
    assert fen is None or (isinstance(fen, int) and 0 <= fen <= MAX_FEN)


@FAST
@given(st.integers(0, 10**9), st.integers(1, 9), st.sampled_from(["-", "－"]))
def test_an_amount_finer_than_a_fen_or_negative_is_refused(yuan, thousandth, minus):
    assert parse_yuan(f"{yuan}.00{thousandth}") is None
    assert parse_yuan(f"{minus}{yuan + 1}") is None


# -- tip numbers -----------------------------------------------------------------------------------

_CANONICAL_TIP = re.compile(r"JB[0-9]{4}-[0-9]{6}")


@st.composite
def typed_tip_number(draw: st.DrawFn) -> tuple[str, str]:
    """(canonical, as typed): jb2026-123, JB2026 000123, ＪＢ２０２６－０００１２３, JB2026_123…"""
    year, seq = draw(st.integers(1000, 9999)), draw(st.integers(1, 999_999))
    prefix = draw(st.sampled_from(["JB", "jb", "Jb", "jB", "ＪＢ", "ｊｂ"]))
    sep = draw(st.sampled_from(["-", "", " ", "_", "－", "＿", " - "]))
    number = draw(st.sampled_from([str(seq), f"{seq:06d}"]))
    typed = prefix + draw(st.sampled_from(["", " "])) + draw(mixed_width(str(year))) + sep + draw(mixed_width(number))
    return format_tip_number(year, seq), draw(SPACE) + typed + draw(SPACE)


@FAST
@given(typed_tip_number())
def test_a_typed_tip_number_comes_back_canonical(case):
    canonical, typed = case
    assert parse_tip_number(typed) == canonical
    assert parse_tip_number(canonical) == canonical


@FAST
@given(st.one_of(ANY_TEXT, st.from_regex(r"\s?[Jj][Bb]\s?\d{1,5}[-_ ]?\d{1,7}\s?", fullmatch=True)))
@example("JB0123-1")
@example("JB2026-000000")
def test_any_text_is_refused_or_a_canonical_tip_number_that_reparses_to_itself(text):
    number = parse_tip_number(text)
    if number is not None:
        assert _CANONICAL_TIP.fullmatch(number), number
        assert not number.endswith("-000000")  # no tip has number 0
        assert parse_tip_number(number) == number


# -- periods ---------------------------------------------------------------------------------------


@FAST
@given(st.integers(1000, 9999), st.integers(1, 12), st.sampled_from(["", " ", "\n"]))
def test_a_month_round_trips_and_has_labels(year, month, pad):
    period = f"{year}-{month:02d}"
    assert parse_month(pad + period + pad) == (year, month)
    assert month_label(period, "zh") == f"{year}年{month}月"
    assert str(year) in month_label(period, "en")


@FAST
@given(st.integers(1000, 9999), st.integers(1, 4))
def test_a_quarter_round_trips_and_has_labels(year, quarter):
    period = f"{year}-Q{quarter}"
    assert parse_quarter(period) == (year, quarter)
    assert quarter_label(period, "zh").startswith(f"{year}年第{'一二三四'[quarter - 1]}季度")
    assert quarter_label(period, "en").startswith(f"Q{quarter} {year}")


_PERIODISH = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\d{4}-(\d{1,2}|Q\d)", fullmatch=True),
    st.tuples(st.integers(2000, 2100), st.integers(1, 12)).flatmap(lambda ym: mixed_width(f"{ym[0]}-{ym[1]:02d}")),
    st.tuples(st.integers(2000, 2100), st.integers(1, 4)).flatmap(lambda yq: mixed_width(f"{yq[0]}-Q{yq[1]}")),
)


@FAST
@given(_PERIODISH)
@example("２０２６-10")  # /monthly typed with a full-width IME: not the key "2026-10" is stored under
def test_an_accepted_period_is_the_canonical_key_figures_are_stored_under(text):
    month = parse_month(text)
    if month is not None:
        assert f"{month[0]:04d}-{month[1]:02d}" == text.strip()
    quarter = parse_quarter(text)
    if quarter is not None:
        assert f"{quarter[0]:04d}-Q{quarter[1]}" == text.strip()


# -- deep links ------------------------------------------------------------------------------------

VILLAGE_CODES = st.from_regex(r"[a-z0-9_-]{1,24}", fullmatch=True)  # core.office.Named.code
INDUSTRIES = st.sampled_from(sorted(INDUSTRY_BY_CODE))


@FAST
@given(st.sampled_from(["report", "check", "liaison"]), st.none() | INDUSTRIES, st.none() | VILLAGE_CODES)
def test_a_posters_link_opens_what_it_was_printed_for(action, industry, village):
    villages = frozenset({village} if village else ()) | {"xishan"}
    link = links.parse(links.payload(action, industry, village), villages)
    expected = links.Link("report", industry, village) if action == "report" else links.Link(action)
    assert link == expected


@st.composite
def payloadish(draw: st.DrawFn) -> str:
    """report_<industry>_<village> with known and unknown parts, and other strings Telegram could send."""
    part = st.one_of(INDUSTRIES, VILLAGE_CODES, st.just("any"), st.just(""))
    pieces = [draw(st.sampled_from(["report", "check", "liaison", "Report", "report_"]))]
    pieces += draw(st.lists(part, max_size=3))
    return "_".join(pieces)


@FAST
@given(st.one_of(ANY_TEXT, payloadish(), st.from_regex(r"[A-Za-z0-9_-]{1,70}", fullmatch=True)),
       st.frozensets(VILLAGE_CODES, max_size=3))  # fmt: skip
def test_any_start_parameter_opens_a_known_link_or_nothing_and_reprints_the_same(text, villages):
    link = links.parse(text, villages)
    if link is None:
        return
    assert link.action in ("report", "check", "liaison")
    assert link.industry is None or link.industry in INDUSTRY_BY_CODE
    assert link.village is None or link.village in villages
    again = links.payload(link.action, link.industry, link.village)
    assert links.parse(again, villages) == link
    assert links.payload(link.action, link.industry, link.village) == again


# -- receipt codes ---------------------------------------------------------------------------------

CODES = st.integers(0, 10**receipts.DIGITS - 1).map(lambda n: f"{n:0{receipts.DIGITS}d}")


@FAST
@given(CODES, st.data())
def test_a_receipt_code_typed_any_way_comes_back(code, data):
    typed = data.draw(with_separators(code, " -－‐–—_\u3000\t"))
    assert receipts.normalize_code(typed) == code
    assert receipts.normalize_code(data.draw(mixed_width(receipts.format_code(code)))) == code


def test_a_fresh_code_read_back_as_the_reporter_copies_it():
    code = receipts.new_code()
    assert receipts.normalize_code(receipts.format_code(code).replace(" ", "-").translate(_FULL_WIDTH)) == code


@FAST
@given(st.one_of(ANY_TEXT, st.text(st.sampled_from("0123456789０１２３４５６７８９ -"), max_size=30)))
def test_any_text_is_refused_or_sixteen_plain_digits(text):
    code = receipts.normalize_code(text)
    if code is not None:
        assert re.fullmatch(r"[0-9]{16}", code)
        assert sum(ch.isdigit() for ch in text) == receipts.DIGITS  # no digit dropped or invented
    else:
        assert not re.fullmatch(r"[\s\-_]*(?:[0-9][\s\-_]*){16}", text)


@FAST
@given(st.integers(1, 40).filter(lambda n: n != receipts.DIGITS), st.data())
def test_too_few_or_too_many_digits_are_refused(length, data):
    digits = data.draw(st.text(st.sampled_from("0123456789"), min_size=length, max_size=length))
    assert receipts.normalize_code(data.draw(with_separators(digits, " -"))) is None


# -- sealing ---------------------------------------------------------------------------------------

DEK = AESGCM.generate_key(bit_length=256)


@FAST
@given(st.binary(max_size=512), st.binary(max_size=128))
def test_a_sealed_field_opens_under_any_associated_data(plaintext, aad):
    assert crypto.open_sealed(DEK, crypto.seal(DEK, plaintext, aad), aad) == plaintext


@FAST
@given(st.binary(max_size=256), st.binary(max_size=64), st.data())
def test_any_flipped_bit_of_a_sealed_field_is_refused(plaintext, aad, data):
    blob = bytearray(crypto.seal(DEK, plaintext, aad))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(DEK, bytes(blob), aad)


@FAST
@given(st.binary(max_size=256), st.binary(max_size=64), st.binary(max_size=64), st.data())
def test_a_sealed_field_shortened_or_under_other_associated_data_is_refused(plaintext, aad, other, data):
    blob = crypto.seal(DEK, plaintext, aad)
    if other != aad:
        with pytest.raises(crypto.DecryptionError):
            crypto.open_sealed(DEK, blob, other)
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(DEK, blob[:cut], aad)


@FAST
@given(st.binary(max_size=200))
def test_garbage_never_opens_and_fails_only_as_a_decryption_error(blob):
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(DEK, blob, b"aad")


RING = crypto.KeyRing.generate()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_flipped_bit_of_a_wrapped_data_key_is_refused(data):
    _dek, wrapped = crypto.new_data_key(RING, crypto.CONTENT)
    raw = bytearray(wrapped.wrapped)
    raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(crypto.DecryptionError):
        crypto.unwrap_key(RING, crypto.CONTENT, crypto.WrappedKey(wrapped.kek_id, bytes(raw)))
