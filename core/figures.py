"""Liaisons' monthly figures (docs/DOMAIN.md section 7): report templates as data, what a liaison types
parsed and checked, and the year-to-date 累计数 computed.

The correction rule (`next_version`) says what a new submission of a unit's report for a period
becomes: a new version, the latest one again, or nothing once the admin has locked the period.

A template is a list of columns: a count (a whole number) or money (万元 with up to 4 decimals,
kept as whole yuan: 1 万元 = 10,000 yuan, so 4 decimals of 万元 are exact), a flow (累计数 is the
sum of the year's months) or a stock (累计数 is the latest value, e.g. 监管企业总数), or a ratio
computed from two others and never typed. Template A (seed 000 附件3) is the default; template B
(seed 002 附件1) ships too; an office defines its own in its TOML without code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.parsing import parse_count
from core.targets import RATE_BY_CODE
from core.taxonomy import Term, chinese

YUAN_PER_WAN = 10_000
MAX_VALUE = 10**12

#: The county's units in English, for English tables and charts (never 家 or （） there). A custom
#: column may give its own `unit_en`; a unit with no English is left out of English headers.
UNITS_EN = {
    "家": "businesses", "处": "items", "件": "cases", "起": "cases", "人": "persons", "次": "times",
    "人（次）": "person-times", "人次": "person-times", "个": "items", "户": "households", "%": "%",
    "万元": "10,000 yuan", "元": "yuan",
}  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Model):
    code: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    name_en: str | None = None
    group: str | None = None  # the merged header above the column (检查情况…)
    unit: Annotated[str, Field(min_length=1, max_length=8)]
    unit_en: str | None = None
    kind: Literal["count", "money"] = "count"
    stock: bool = False
    #: A computed percentage: numerator ÷ denominator column codes. Never typed.
    ratio_of: tuple[str, str] | None = None

    def label(self, lang: str) -> str:
        return Term(self.code, self.name, self.name_en or self.name).label(lang)

    def bracketed(self) -> str:
        """The Chinese name with its unit in brackets, as headers and forms write it: 监管企业总数（家）;
        a unit with brackets of its own loses them there, so none are nested: 出动执法人员（人次）."""
        return f"{self.name}（{re.sub(r'[()（）]', '', self.unit)}）"

    def unit_label(self, lang: str) -> str | None:
        """The unit as written in the language: 家 / businesses; None for a unit with no English."""
        return Term(self.code, self.unit, self.unit_en or UNITS_EN.get(self.unit) or "").label(lang) or None


class Rule(_Model):
    """`left` ≤ `right`, for the month or for the year to date."""

    left: str
    right: str
    scope: Literal["month", "year"] = "month"


class RateColumns(_Model):
    """Which columns give one of the "6 个 100%" (core.targets): numerator ÷ denominator, each a typed
    count column, or None where the form has no such figure (the rate then names it as missing).
    `note` says how near the columns come to what the target means, where they are a stand-in."""

    rate: str
    numerator: str | None = None
    denominator: str | None = None
    note: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    note_en: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    def remark(self) -> Term | None:
        return None if self.note is None else Term(self.rate, self.note, self.note_en or self.note)


class Template(_Model):
    code: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,24}$")]
    title: str
    title_en: str | None = None
    #: Due for the previous month by this day of the month (3), or 0: by the end of the month reported.
    due_day: Annotated[int, Field(ge=0, le=28)] = 3
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    #: The form lists its items as rows with 本月数 and 累计数 as columns (template B, seed 002): the
    #: monthly table then also gives each unit a sheet in that layout, beside the consolidated one.
    unit_sheets: bool = False
    #: Which columns give which of the "6 个 100%" rates (core.rates); a rate not listed is missing both figures.
    rates: tuple[RateColumns, ...] = ()

    def heading(self, lang: str) -> str:
        return Term(self.code, self.title, self.title_en or self.title).label(lang)

    @model_validator(mode="after")
    def _consistent(self) -> Template:
        codes = [c.code for c in self.columns]
        if len(set(codes)) != len(codes):
            raise ValueError("two columns share a code")
        typed = {c.code for c in self.columns if c.ratio_of is None}
        for column in self.columns:
            if column.ratio_of and not set(column.ratio_of) <= typed:
                raise ValueError(f"column {column.code!r}: ratio_of names a column that is not typed in")
        for rule in self.rules:
            if not {rule.left, rule.right} <= typed:
                raise ValueError(f"rule {rule.left} ≤ {rule.right} names an unknown column")
        counts = {c.code for c in self.typed if c.kind == "count"}
        rates = [r.rate for r in self.rates]
        if len(set(rates)) != len(rates):
            raise ValueError("a rate is given twice in rates")
        for given in self.rates:
            if given.rate not in RATE_BY_CODE:
                raise ValueError(f"unknown rate {given.rate!r}; choose one of {', '.join(RATE_BY_CODE)}")
            if given.numerator is None and given.denominator is None:
                raise ValueError(f"rate {given.rate!r} names no column")
            for code in (given.numerator, given.denominator):
                if code is not None and code not in counts:
                    raise ValueError(f"rate {given.rate!r}: {code!r} is not a count column typed in")
        return self

    @property
    def typed(self) -> tuple[Column, ...]:
        """The columns a liaison fills in (not the computed ones)."""
        return tuple(c for c in self.columns if c.ratio_of is None)

    def column(self, code: str) -> Column:
        return next(c for c in self.columns if c.code == code)


def _col(code: str, name: str, unit: str, group: str | None = None, **extra: object) -> Column:
    return Column(code=code, name=name, unit=unit, group=group, **extra)


TEMPLATE_A = Template(
    code="a",
    title="执法攻坚年活动执法情况统计表",
    title_en="Enforcement campaign: enforcement statistics",
    due_day=3,
    columns=(
        _col("enterprises", "监管企业总数", "家", "检查情况", stock=True, name_en="Enterprises supervised"),
        _col("inspected", "现场监督检查企业数", "家", "检查情况", name_en="Enterprises inspected on site"),
        _col("hazards", "排查隐患数", "处", "检查情况", name_en="Hazards found"),
        _col("rectified", "隐患整改数", "处", "检查情况", name_en="Hazards rectified"),
        _col("cases", "立案数", "件", "立案情况", name_en="Cases opened"),
        _col("case_ratio", "立案数占实际检查企业总数比例", "%", "立案情况", ratio_of=("cases", "inspected"),
             name_en="Cases per enterprise inspected"),
        _col("seizures", "查封、扣押、停电处理", "起", "强制措施", name_en="Seizures and power cuts"),
        _col("fines", "罚款金额", "万元", "经济处罚", kind="money", name_en="Fines"),
        _col("suspended", "责令停产整顿", "家", "其他处罚情况", name_en="Ordered to stop and rectify"),
        _col("licences", "暂扣吊销有关证件", "件", "其他处罚情况", name_en="Licences suspended or revoked"),
        _col("closures", "提请关闭企业", "家", "其他处罚情况", name_en="Closures proposed"),
        _col("exposed", "曝光企业数", "家", "曝光、惩戒情况", name_en="Enterprises exposed"),
        _col("blacklisted", "纳入黑名单", "家", "曝光、惩戒情况", name_en="Blacklisted"),
        _col("joint", "联合惩戒", "家", "曝光、惩戒情况", name_en="Joint sanctions"),
        _col("criminal", "移送追究刑事责任", "人", name_en="Referred for prosecution"),
        _col("referred", "移送其他部门处理", "起", name_en="Referred to other departments"),
    ),
    rules=(
        Rule(left="inspected", right="enterprises"),
        Rule(left="rectified", right="hazards", scope="year"),
        Rule(left="cases", right="inspected"),
    ),
    rates=(
        RateColumns(rate="coverage", numerator="inspected", denominator="enterprises",
                    note="以监管企业代替重点企业", note_en="all enterprises supervised stand for the key ones"),
        RateColumns(rate="handled", numerator="cases", denominator="inspected",
                    note="表中的立案数占实际检查企业总数比例", note_en="the form's cases per enterprise inspected"),
        RateColumns(rate="recheck", numerator="rectified", denominator="hazards",
                    note="表中最接近的数：以隐患整改代替问题企业复查",
                    note_en="the nearest the form gives: hazards rectified for enterprises re-inspected"),
        RateColumns(rate="exposed", numerator="exposed"),
        RateColumns(rate="referred", numerator="criminal", note="移送追究刑事责任按人计",
                    note_en="referrals for prosecution are counted in persons"),
    ),
)  # fmt: skip

TEMPLATE_B = Template(
    code="b",
    title="安全监管“强执法防事故”行动情况月报表",
    title_en="Work-safety campaign 'Strict enforcement, no accidents': monthly report",
    due_day=0,
    unit_sheets=True,
    columns=(
        _col("actions", "组织（包括日常、集中、联合、专项等）执法活动", "次", name_en="Enforcement actions organised"),
        _col("officers", "出动执法人员", "人（次）", name_en="Enforcement officers deployed"),
        _col("checked", "检查生产经营单位", "家", name_en="Businesses inspected"),
        _col("investigations", "立案调查", "起", name_en="Cases investigated"),
        _col("fines", "经济处罚", "万元", kind="money", name_en="Fines"),
        _col("stopped", "责令停产停业", "家", name_en="Ordered to stop production"),
        _col("licences", "暂扣或者吊销许可证照", "个", name_en="Licences suspended or revoked"),
        _col("closed", "取缔关闭", "处", name_en="Banned and closed"),
        _col("officials", "问责领导干部", "人", name_en="Officials held accountable"),
        _col("detained", "行政拘留", "人", name_en="Administrative detentions"),
        _col("arrested", "抓捕涉嫌犯罪人员", "人", name_en="Criminal suspects arrested"),
    ),
    rates=(
        RateColumns(rate="handled", numerator="investigations", denominator="checked",
                    note="以立案调查代替查处、以检查单位代替发现违法",
                    note_en="cases investigated for violations dealt with, businesses inspected for violations found"),
    ),
)  # fmt: skip

BUILTIN_TEMPLATES = {"a": TEMPLATE_A, "b": TEMPLATE_B}


# -- what liaisons type ------------------------------------------------------------------------

_MONEY = re.compile(r"^(\d+)(?:\.(\d{1,4}))?$")
#: The unit the form puts after a column's name, NFKC'd: (家), and (人(次)) with its inner brackets.
_UNIT_AFTER_NAME = re.compile(r"\((?:[^()]|\([^()]*\))*\)$")
#: A remark in brackets inside a name, NFKC'd: 组织（包括日常、集中、联合、专项等）执法活动 is also typed 组织执法活动.
_ASIDE = re.compile(r"\([^()]*\)")


def parse_value(column: Column, text: str) -> int | None:
    """A count (whole, ≥ 0; Chinese digits too) or money in 万元 (≤ 4 decimals) → int (yuan for
    money); None if it is not one. Full-width characters and thousands commas are accepted."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace("，", "").replace(" ", "")
    unit = unicodedata.normalize("NFKC", column.unit)
    for written in (unit, re.sub(r"[()]", "", unit)):  # 人（次） is also typed 人次
        folded = folded.removesuffix(written)
    if column.kind == "count":
        value = parse_count(folded)
        return value if value is not None and value <= MAX_VALUE else None
    match = _MONEY.match(folded.removesuffix("万元").removesuffix("万"))
    if not match:
        return None
    try:
        yuan = Decimal(match[0]) * YUAN_PER_WAN
    except InvalidOperation:
        return None
    return int(yuan) if yuan <= MAX_VALUE else None


def format_value(column: Column, value: int | None) -> str:
    if value is None:
        return "—"
    if column.kind == "money":
        wan = (Decimal(value) / YUAN_PER_WAN).normalize()
        return f"{wan:f}"
    return str(value)


def form_text(template: Template, lang: str) -> str:
    """The form to fill in one message: one line per typed column, "name（unit）：" and room for the number;
    in English "name: ", and "Fines (10,000 yuan): " where the unit is not a plain count."""
    if chinese(lang):  # the form's own layout, not a label
        return "\n".join(f"{c.bracketed()}：" for c in template.typed)
    return "\n".join(
        f"{c.label(lang)} ({c.unit_label(lang)}): " if c.kind == "money" else f"{c.label(lang)}: "
        for c in template.typed
    )


def parse_form(template: Template, text: str) -> tuple[dict[str, int | None], dict[str, str]]:
    """A filled-in form → (values, problems by column code). A line left blank gives None (0 only
    once the liaison confirms); a column whose line is missing is a problem, as is a line not
    understood. Lines are matched by the column's name, Chinese or English, before ： or :."""
    values: dict[str, int | None] = {}
    problems: dict[str, str] = {}
    by_name = {}
    for column in template.typed:
        by_name[_key(column.name)] = column
        by_name[_key(_ASIDE.sub("", unicodedata.normalize("NFKC", column.name)))] = column  # 组织执法活动
        if column.name_en:
            by_name[_key(column.name_en)] = column
    for line in unicodedata.normalize("NFKC", text).splitlines():
        name, sep, rest = line.partition(":")
        if not sep:
            continue
        column = by_name.get(_key(name)) or by_name.get(_key(_UNIT_AFTER_NAME.sub("", name.strip())))
        if column is None:
            continue
        answer = rest.strip()
        if not answer:
            values[column.code] = None
            continue
        value = parse_value(column, answer)
        if value is None:
            problems[column.code] = answer
        else:
            values[column.code] = value
    for column in template.typed:
        if column.code not in values and column.code not in problems:
            problems[column.code] = ""
    return values, problems


def _key(name: str) -> str:
    """A column's name as looked up: NFKC (full-width letters and brackets as ASCII), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()


# -- checks and sums ---------------------------------------------------------------------------


def year_to_date(template: Template, months: list[dict[str, int]]) -> dict[str, int]:
    """累计数 from the year's months so far, oldest first: flows summed, stocks the latest value."""
    total: dict[str, int] = {}
    for column in template.typed:
        present = [m[column.code] for m in months if m.get(column.code) is not None]
        if column.stock:
            total[column.code] = present[-1] if present else 0
        else:
            total[column.code] = sum(present)
    return total


def ratio(template: Template, column: Column, values: dict[str, int]) -> Decimal | None:
    """A computed percentage, to 2 decimals; None when the denominator is 0."""
    numerator, denominator = (values.get(code, 0) for code in column.ratio_of)
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


def violations(template: Template, month: dict[str, int], ytd: dict[str, int]) -> list[Rule]:
    """The rules this month's figures break (the year-scope ones against the year to date)."""
    broken = []
    for rule in template.rules:
        values = month if rule.scope == "month" else ytd
        if values.get(rule.left, 0) > values.get(rule.right, 0):
            broken.append(rule)
    return broken


def jumps(template: Template, month: dict[str, int], last: dict[str, int] | None, factor: int = 10) -> list[str]:
    """Columns more than `factor` times last month's value: accepted only once the liaison confirms."""
    if not last:
        return []
    return [c.code for c in template.typed if last.get(c.code) and month.get(c.code, 0) > factor * last[c.code]]


# -- versions: the correction rule -------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """What a submission stored: its version, and whether the unit's report for the period is late."""

    version: int
    late: bool
    #: The content was that of the latest version already: nothing new was stored.
    unchanged: bool = False


def next_version(latest: Stored | None, same: bool, locked: bool, late: bool) -> Stored | None:
    """The correction rule, for the monthly figures and the quarter's summary alike: every submission
    is kept as a new version and the latest counts. `latest` is the latest version stored (its `late`
    that of the first version), `same` whether this content is exactly that version's, `late` whether
    a first version would be late today.

    - The same content sent again (a press repeated after a crash) is the latest version, not a new
      one: it is answered as stored, whether the period was locked since or not.
    - A period the admin has locked takes no new version (None: refused).
    - A correction keeps the first version's lateness: corrected after the due day, a report sent in
      time stays in time, and a late one stays late however it is corrected."""
    if latest is not None and same:
        return Stored(latest.version, latest.late, unchanged=True)
    if locked:
        return None
    if latest is None:
        return Stored(1, late)
    return Stored(latest.version + 1, latest.late)
