"""The vocabulary of docs/DOMAIN.md section 2: what can be reported, in which industry, and what officers find.

Each entry has a short ASCII code (used in callback data, storage and configuration) and its
names. The Chinese names are the users' own terms and must stay exactly as docs/DOMAIN.md writes them.

A text in a language is either a gettext message (handlers/locales: the English msgid, the Chinese in
the .po) or a `Term` (zh and en side by side, here and in the StrEnums of core: Status, Role,
RewardState…, each with `.label(lang)`). `chinese(lang)` is the one test of a language outside
them, for what is a form rather than a label (a date written 2026年11月23日, the Chinese layout of
a county's Excel template); tests/test_vocabulary.py keeps every other `lang == "zh"` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if chinese(lang) else self.en


class Named(StrEnum):
    """A StrEnum whose members have names in both languages: its Term table is given once, by
    `names({Member: (zh, en), …})` right after the class; `.label(lang)` reads it."""

    def label(self, lang: str) -> str:
        return _NAMES[type(self)][self].label(lang)


_N = TypeVar("_N", bound=Named)
#: Each Named enum's Term table, filled by `names`.
_NAMES: dict[type[Named], Mapping[Named, Term]] = {}


def names(pairs: Mapping[_N, tuple[str, str]]) -> dict[_N, Term]:
    """Register the Term table of one Named enum (every member, in the order given) and return it."""
    table = {member: Term(member, zh, en) for member, (zh, en) in pairs.items()}
    kind = type(next(iter(table)))
    missing = set(kind) - set(table)
    if missing:
        raise ValueError(f"{kind.__name__} has no names for {sorted(missing)}")
    _NAMES[kind] = table
    return table


def chinese(lang: str) -> bool:
    """Whether texts in `lang` are Chinese: for forms, not labels (a label is a Term or a gettext text)."""
    return lang == "zh"


#: Punctuation between parts of a text: full-width in Chinese, never in English.
COLON = Term("colon", "：", ": ")
LIST_SEPARATOR = Term("list", "、", ", ")
SEMICOLON = Term("semicolon", "；", "; ")
#: Between two sentences: Chinese runs them on, English leaves a space.
SENTENCE_BREAK = Term("sentence", "", " ")
#: A short note after a name: （…） in Chinese, " (…)" in English; `.label(lang).format(text)`.
ASIDE = Term("aside", "（{}）", " ({})")
YES = Term("yes", "是", "yes")


def configured(zh: str | None, en: str | None, lang: str) -> str | None:
    """A name the office configures in Chinese with an optional English one: the English where
    given, else the Chinese; None where neither is set."""
    return Term("", zh or "", en or zh or "").label(lang) or None


def _index(terms: tuple[Term, ...]) -> dict[str, Term]:
    return {t.code: t for t in terms}


KINDS: tuple[Term, ...] = (
    Term("hazard", "重大事故隐患", "Major accident hazard"),
    Term("illegal", "非法违法行为", "Illegal production or operation"),
    Term("concealed", "事故瞒报谎报迟报", "Concealed, falsely or late reported accident"),
    Term("other", "其他安全问题", "Other safety problem"),
)

ILLEGAL_SUBTYPES: tuple[Term, ...] = (
    Term("unlicensed", "无证、证照不全或过期从事生产经营建设", "Operating without valid licences"),
    Term("reopened", "关闭取缔后又擅自生产经营建设", "Operating again after being closed down"),
    Term(
        "unaccepted",
        "停产整顿/整合技改未经验收擅自生产，违反“三同时”",
        'Producing before a rectification was accepted ("three simultaneities")',
    ),
    Term("uncertified", "特种作业人员无证上岗", "Special operations without a certificate"),
    Term("defiance", "拒不执行监管指令、抗拒执法", "Defying orders of the regulator"),
    Term("subcontract", "违法分包转包、挂靠资质", "Illegal subcontracting or borrowed qualifications"),
    Term("unapproved", "危险作业（动火等）未审批", "Dangerous work (hot work etc.) without approval"),
    Term("exits", "封闭堵塞安全出口、疏散通道", "Blocked safety exits or escape routes"),
    Term("untrained", "劳务派遣/灵活用工人员未经培训上岗", "Agency or casual workers without training"),
    Term("outsourced", "外包外租给不具备条件的单位", "Work let to an unqualified contractor"),
    Term("other", "其他", "Other"),
)

INDUSTRIES: tuple[Term, ...] = (
    Term("hazchem", "危险化学品", "Hazardous chemicals"),
    Term("fireworks", "烟花爆竹", "Fireworks"),
    Term("gas", "燃气（镇村燃气）", "Gas (town and village supply)"),
    Term("fire", "消防", "Fire safety"),
    Term("transport", "交通运输（道路、水上）", "Transport (road, water)"),
    Term("crowded", "人员密集场所", "Crowded places"),
    Term("construction", "建筑施工", "Construction"),
    Term("industry", "冶金工贸（机械、建材、铸造、轻工、纺织）", "Metallurgy, industry and trade"),
    Term("equipment", "特种设备", "Special equipment"),
    Term("selfbuilt", "农村自建房", "Self-built rural housing"),
    Term("mining", "非煤矿山", "Non-coal mines"),
    Term("tourism", "文化旅游", "Culture and tourism"),
    Term("agri", "涉农企业", "Agricultural enterprises"),
    Term("water", "河道治理/水利", "Rivers and water works"),
    Term("school", "校园安全", "School safety"),
    Term("forest", "护林防火", "Forest fire prevention"),
    Term("other", "其他", "Other"),
)

PROBLEM_CLASSES: tuple[Term, ...] = tuple(
    Term(code, zh, en)
    for code, zh, en in (
        ("facilities", "设施设备类", "Facilities and equipment"),
        ("worksite", "作业现场类", "Work site"),
        ("contractors", "外来管理类", "Outside parties"),
        ("certificates", "证件证书类", "Licences and certificates"),
        ("training", "培训教育类", "Training"),
        ("rules", "规章制度类", "Rules and procedures"),
        ("emergency", "应急救援类", "Emergency response"),
        ("signage", "用品标志类", "Protective gear and signs"),
        ("storage", "违规存储类", "Illegal storage"),
        ("funding", "安全费用类", "Safety funding"),
        ("staffing", "机构人员类", "Organisation and staff"),
        ("registration", "登记报告类", "Registration and reporting"),
        ("risk", "风险隐患类", "Risks and hazards"),
        ("other", "其他类", "Other"),
    )
)


class Outcome(Named):
    """What the verification found (docs/DOMAIN.md sections 2.2 and 4.2); the value is what is stored."""

    TRUE = "true"
    PARTLY = "partly"
    FALSE = "false"


OUTCOME_NAMES = names({
    Outcome.TRUE: ("属实", "Substantiated"),
    Outcome.PARTLY: ("部分属实", "Partly substantiated"),
    Outcome.FALSE: ("不属实", "Not substantiated"),
})  # fmt: skip
OUTCOMES: tuple[Term, ...] = tuple(OUTCOME_NAMES.values())
#: The outcomes 核实查处率 and rewards count: 属实 or 部分属实.
SUBSTANTIATED = frozenset({Outcome.TRUE, Outcome.PARTLY})

#: Measures taken against the enterprise (docs/DOMAIN.md sections 2.2 and 4.2).
MEASURES: tuple[Term, ...] = (
    Term("rectify", "责令整改", "Ordered to rectify"),
    Term("case", "立案", "Case opened"),
    Term("fine", "罚款", "Fined"),
    Term("suspend", "责令停产整顿", "Ordered to stop and rectify"),
    Term("licence", "暂扣吊销证照", "Licence suspended or revoked"),
    Term("closure", "提请关闭", "Closure proposed"),
    Term("judicial", "移送司法机关", "Referred to the judicial authorities"),
)

#: The result of a review 复查 after an objection.
REVIEW_RESULTS: tuple[Term, ...] = (
    Term("upheld", "维持原答复", "The reply is upheld"),
    Term("changed", "变更原答复", "The reply is changed"),
)

KIND_BY_CODE = _index(KINDS)
SUBTYPE_BY_CODE = _index(ILLEGAL_SUBTYPES)
INDUSTRY_BY_CODE = _index(INDUSTRIES)
PROBLEM_CLASS_BY_CODE = _index(PROBLEM_CLASSES)
OUTCOME_BY_CODE = _index(OUTCOMES)
MEASURE_BY_CODE = _index(MEASURES)
REVIEW_RESULT_BY_CODE = _index(REVIEW_RESULTS)


def industry_code(name_or_code: str) -> str:
    """The code of an industry given by code, Chinese or English name; KeyError if none."""
    text = name_or_code.strip()
    for term in INDUSTRIES:
        if text in (term.code, term.zh, term.en):
            return term.code
    raise KeyError(text)
