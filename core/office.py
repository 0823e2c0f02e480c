"""The office's configuration: who it is, its departments and routing, villages, deadlines, limits.

Read from the office's TOML file (TIPLINE_CONFIG). Without one, the defaults are docs/DOMAIN.md's:
the routing table of section 3, the deadlines of section 4, the national reward rules of section 5.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core import taxonomy
from core.casework import Deadlines
from core.figures import BUILTIN_TEMPLATES, Template
from core.rewards import BUILTIN as BUILTIN_RULE_SETS
from core.rewards import RuleSet
from core.validation import problems


class OfficeConfigError(Exception):
    """The office's TOML file cannot be used; the message says where and why, `problems` one line each."""

    def __init__(self, heading: str, problems: Sequence[str] = ()):
        super().__init__("\n".join([heading, *(f"  {line}" for line in problems)]))
        self.heading = heading
        self.problems = list(problems)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Model):
    code: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,24}$")]
    name: Annotated[str, Field(min_length=1, max_length=60)]
    name_en: str | None = None

    def label(self, lang: str) -> str:
        return taxonomy.Term(self.code, self.name, self.name_en or self.name).label(lang)


class Department(Named):
    #: The department's Telegram group for alerts (tip number and facets only, never content).
    chat_id: int | None = None
    #: Industry codes (or their Chinese names) this department handles.
    industries: list[str] = []

    @field_validator("industries")
    @classmethod
    def _known_industries(cls, value: list[str]) -> list[str]:
        codes = []
        for item in value:
            try:
                codes.append(taxonomy.industry_code(item))
            except KeyError:
                raise ValueError(f"unknown industry {item!r}") from None
        return codes


class Village(Named):
    """A village or community (村/社区) reporters choose from."""


class Reminders(_Model):
    """The daily deadline reminders to staff."""

    #: Office-local time of the daily run (HH:MM); a run missed while the bot was down happens at start.
    time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "08:30"
    #: Tell assignees of what falls due within this many days.
    days_ahead: Annotated[int, Field(ge=1, le=14)] = 3


class Figures(_Model):
    """Liaisons' monthly figures: which report template (docs/DOMAIN.md section 7.2) the county asks for."""

    #: "a" (执法攻坚年活动执法情况统计表, the default), "b" (安全监管“强执法防事故”行动情况月报表), or
    #: one under [figures.custom.NAME].
    template: str = "a"
    custom: dict[str, Template] = {}
    #: Office-local time (HH:MM) of the prompts and reminders to liaisons; the 1st for the monthly prompt.
    prompt_time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "09:00"
    #: Whether liaisons are also asked each quarter for the activity summary and 典型案例 (seed 000).
    quarterly: bool = True

    @property
    def at(self) -> time:
        hour, minute = map(int, self.prompt_time.split(":"))
        return time(hour, minute)

    @model_validator(mode="after")
    def _known(self) -> Figures:
        if self.template not in BUILTIN_TEMPLATES and self.template not in self.custom:
            known = ", ".join([*BUILTIN_TEMPLATES, *self.custom])
            raise ValueError(f"unknown template {self.template!r}; choose one of {known}")
        return self

    @property
    def chosen(self) -> Template:
        return self.custom.get(self.template) or BUILTIN_TEMPLATES[self.template]


class Limits(_Model):
    max_files_per_tip: Annotated[int, Field(ge=0, le=50)] = 10
    tips_per_day: Annotated[int, Field(ge=1, le=100)] = 5
    #: A draft not touched for this many days is destroyed with its files.
    draft_days: Annotated[int, Field(ge=1, le=60)] = 7
    #: Bytes of files one chat may send in a day (evidence in drafts and to its tips), counted as
    #: Telegram declares them before downloading; 200 MB by default (ten files at the Bot API's limit).
    bytes_per_day: Annotated[int, Field(ge=2**20, le=10 * 2**30)] = 200 * 2**20
    #: Bytes of files one unfinished report may hold (checked with the size Telegram declares, before
    #: downloading); 100 MB by default.
    bytes_per_draft: Annotated[int, Field(ge=2**20, le=2**30)] = 100 * 2**20


class Rewards(_Model):
    #: "national" (安监总财〔2018〕19号, the default), "shandong-2021", or one defined under [rewards.custom.NAME].
    rule_set: str = "national"
    #: Rule sets of the office's own, in the fields of core.rewards.RuleSet (money in whole yuan).
    custom: dict[str, RuleSet] = {}
    #: The reward officer approves amounts up to this; above it the admin must approve too (yuan).
    admin_approval_above_yuan: Annotated[int, Field(ge=0)] = 50_000
    #: Where and when a reporter collects a reward in person (领奖地点、时间), as the claim text shows
    #: them. No address: collection in person is not offered (payment details only), since the bot
    #: cannot write to the reporter after the case is closed; no hours: "office hours".
    pickup_address: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    pickup_address_en: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    pickup_hours: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    pickup_hours_en: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    def pickup(self, lang: str) -> tuple[str | None, str | None]:
        """(address, hours) in the language, the Chinese ones where no English is given; None if not set."""
        return (
            taxonomy.configured(self.pickup_address, self.pickup_address_en, lang),
            taxonomy.configured(self.pickup_hours, self.pickup_hours_en, lang),
        )

    @model_validator(mode="after")
    def _known(self) -> Rewards:
        if self.rule_set not in BUILTIN_RULE_SETS and self.rule_set not in self.custom:
            known = ", ".join([*BUILTIN_RULE_SETS, *self.custom])
            raise ValueError(f"unknown rule set {self.rule_set!r}; choose one of {known}")
        return self

    @property
    def rules(self) -> RuleSet:
        return self.custom.get(self.rule_set) or BUILTIN_RULE_SETS[self.rule_set]


class Security(_Model):
    #: Minutes a message with decrypted content (a tip's card, evidence, an identity, payee details)
    #: stays in a staff chat before the bot deletes it. Telegram lets a bot delete a message only
    #: within 48 hours of sending it, hence the upper bound (47 hours).
    card_minutes: Annotated[int, Field(ge=1, le=47 * 60)] = 30
    #: Minutes an accepted authenticator code keeps a staff member signed in: within them, opening a
    #: card, evidence, an identity, payee details, an export or approving asks no code again.
    session_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    #: Whether every staff member must set up an authenticator (TOTP) before anything is decrypted for
    #: them. Off: only those who enrolled (with /totp) are asked for codes.
    require_totp: bool = True


class Exposure(_Model):
    """曝光 (seed 000 三(三), seed 002 (五)(六)): the office's public Telegram channel, where posts a second
    admin approved are published (services.exposure)."""

    #: The channel: its numeric id (-100…) or its public @username. None: no channel, nothing is drafted.
    channel_id: int | Annotated[str, Field(pattern=r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")] | None = None


def _default_departments() -> list[Department]:
    rows = (
        (
            "emergency",
            "应急站",
            "Emergency management station",
            ["mining", "hazchem", "fireworks", "industry", "transport"],
        ),
        ("urban", "城建站", "Urban construction station", ["construction", "selfbuilt", "gas"]),
        ("fire", "消防工作所", "Fire safety office", ["fire", "crowded"]),
        ("agri", "农技站 / 农经站 / 畜牧站", "Agricultural stations", ["agri"]),
        ("water", "水利站", "Water station", ["water"]),
        ("publicity", "宣传部门", "Publicity department", ["tourism"]),
        ("school", "中心校", "Central school", ["school"]),
        ("forestry", "林业站", "Forestry station", ["forest"]),
        ("market", "市场监管", "Market regulation (special equipment)", ["equipment"]),
    )
    return [Department(code=c, name=n, name_en=e, industries=i) for c, n, e, i in rows]


class OfficeConfig(_Model):
    name: Annotated[str, Field(min_length=1, max_length=80)] = "安全生产举报平台"
    name_en: str = "Work-safety tip line"
    #: The office's formal name, as it stamps documents: 填报单位 on the county's monthly table, 运营单位
    #: on /about and the ledgers (e.g. 东平镇安全生产委员会办公室). None: the table's 填报单位 is left
    #: blank to fill in by hand, /about names no 运营单位, and the ledgers' titles use `name`.
    unit_name: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    unit_name_en: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    #: The department that takes in every tip and gets what the routing table does not match.
    intake_department: str = "emergency"
    #: The county government's Telegram chat, told at once of a tip that reports a death.
    county_chat_id: int | None = None
    departments: list[Department] = Field(default_factory=_default_departments)
    villages: list[Village] = []
    deadlines: Deadlines = Deadlines()
    reminders: Reminders = Reminders()
    limits: Limits = Limits()
    rewards: Rewards = Rewards()
    figures: Figures = Figures()
    security: Security = Security()
    exposure: Exposure = Exposure()

    @model_validator(mode="after")
    def _consistent(self) -> OfficeConfig:
        codes = [d.code for d in self.departments]
        if len(set(codes)) != len(codes):
            raise ValueError("two departments share a code")
        if self.intake_department not in codes:
            raise ValueError(f"intake_department {self.intake_department!r} is not one of the departments")
        seen: dict[str, str] = {}
        for dep in self.departments:
            for industry in dep.industries:
                if industry in seen:
                    raise ValueError(f"industry {industry!r} is routed to both {seen[industry]!r} and {dep.code!r}")
                seen[industry] = dep.code
        village_codes = [v.code for v in self.villages]
        if len(set(village_codes)) != len(village_codes):
            raise ValueError("two villages share a code")
        return self

    def label(self, lang: str) -> str:
        return taxonomy.Term("office", self.name, self.name_en).label(lang)

    def unit(self, lang: str) -> str | None:
        """The formal name (填报单位, 运营单位); None where none is configured: the bot's display name
        is no unit's name, and a table stamped with it is what the county would send back."""
        return taxonomy.configured(self.unit_name, self.unit_name_en, lang)

    def department(self, code: str) -> Department:
        for dep in self.departments:
            if dep.code == code:
                return dep
        raise KeyError(code)

    def route(self, industry: str) -> Department:
        """The department responsible for an industry (docs/DOMAIN.md section 3); intake if none is."""
        for dep in self.departments:
            if industry in dep.industries:
                return dep
        return self.department(self.intake_department)


def parse_office(text: str, source: str) -> OfficeConfig:
    """Parse and validate the office's TOML, as read from `source` (the file's name, which each
    problem starts with)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OfficeConfigError(f"{source} is not valid TOML: {_syntax(exc)}") from None
    try:
        return OfficeConfig.model_validate(data)
    except ValidationError as exc:
        found = problems(exc)
        if len(found) == 1:
            raise OfficeConfigError(f"{source}: {found[0]}") from None
        raise OfficeConfigError(f"{source} has {len(found)} problems", found) from None


def _syntax(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's "Expected ']' … (at line 2, column 14)" as "line 2, column 14: expected ']' …"."""
    said = str(exc)
    found = re.fullmatch(r"(.+) \(at line (\d+), column (\d+)\)", said)
    if found is None:
        what, at = said.removesuffix(" (at end of document)"), "at the end of the file"
    else:
        what, at = found[1], f"line {found[2]}, column {found[3]}"
    if what == "Illegal character '\\n'":
        what = 'a text in quotes is not closed on its line (a " is missing)'
    return f"{at}: {what[:1].lower()}{what[1:]}"
