"""When liaisons report: the periods (a month "2026-10", a quarter "2026-Q3") and, for each, when the
prompt goes out, the reminders, the due date and the day the admins get the list of who is missing.

Seed 000: the monthly table is due by the 3rd for the previous month, so the prompt goes out on the
1st; a template due by the end of the month reported (due_day 0, seed 002) is prompted five days
before that end. Reminders follow the day after the prompt and on the due day. The quarter's
activity summary and 典型案例 are due by the 3rd of the first month of the next quarter; the fourth
quarter's, with the year's summary, by 20 December (prompted on 1 December).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.figures import Template
from core.taxonomy import chinese

_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
#: A template due by the end of the month reported is prompted this many days before that end.
END_OF_MONTH_LEAD = 5
YEAR_END_DUE = (12, 20)


@dataclass(frozen=True)
class Schedule:
    period: str
    prompt_on: date
    #: Reminder days, after the prompt, to those who have not submitted.
    reminders: tuple[date, ...]
    due: date

    @property
    def missing_on(self) -> date:
        """The day after the due day: the admins hear who is missing."""
        return self.due + timedelta(days=1)

    def events(self, at: time) -> list[tuple[str, datetime]]:
        """("prompt" | "remind:<date>" | "missing", when) in order."""
        days = [("prompt", self.prompt_on)] + [(f"remind:{d}", d) for d in self.reminders]
        days.append(("missing", self.missing_on))
        return [(name, datetime.combine(day, at)) for name, day in days]

    def is_late(self, on: date) -> bool:
        return on > self.due


def parse_month(text: str) -> tuple[int, int] | None:
    """'2026-10' → (2026, 10); None if it is not a month."""
    match = _MONTH.match(text.strip())
    return (int(match[1]), int(match[2])) if match else None


def parse_quarter(text: str) -> tuple[int, int] | None:
    match = _QUARTER.match(text.strip())
    return (int(match[1]), int(match[2])) if match else None


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _reminders(prompt_on: date, due: date) -> tuple[date, ...]:
    return tuple(sorted({d for d in (prompt_on + timedelta(days=1), due) if prompt_on < d <= due}))


def monthly_schedule(template: Template, period: str) -> Schedule:
    year, month = parse_month(period)
    if template.due_day:
        next_year, next_month = _shift(year, month, 1)
        prompt_on = date(next_year, next_month, 1)
        due = date(next_year, next_month, template.due_day)
    else:
        due = date(year, month, calendar.monthrange(year, month)[1])
        prompt_on = due - timedelta(days=END_OF_MONTH_LEAD)
    return Schedule(period, prompt_on, _reminders(prompt_on, due), due)


def quarterly_schedule(period: str) -> Schedule:
    year, quarter = parse_quarter(period)
    if quarter == 4:
        prompt_on, due = date(year, 12, 1), date(year, *YEAR_END_DUE)
    else:
        prompt_on = date(year, quarter * 3 + 1, 1)
        due = prompt_on.replace(day=3)
    return Schedule(period, prompt_on, _reminders(prompt_on, due), due)


def current_month(template: Template, now: datetime, at: time) -> Schedule:
    """The latest month whose prompt time has come: the one the job works on now."""
    year, month = now.year, now.month
    for back in range(0, 3):
        shifted_year, shifted_month = _shift(year, month, -back)
        schedule = monthly_schedule(template, f"{shifted_year}-{shifted_month:02d}")
        if datetime.combine(schedule.prompt_on, at) <= now.replace(tzinfo=None):
            return schedule
    raise AssertionError("a month's prompt is always within the last two months")


def current_quarter(now: datetime, at: time) -> Schedule | None:
    """The latest quarter whose prompt time has come, or None before the first one of the year."""
    candidates = [f"{now.year}-Q{q}" for q in (4, 3, 2, 1)] + [f"{now.year - 1}-Q4"]
    for period in candidates:
        schedule = quarterly_schedule(period)
        if datetime.combine(schedule.prompt_on, at) <= now.replace(tzinfo=None):
            return schedule
    return None


def year_months(period: str) -> list[str]:
    """The months of the period's year up to and including it: what 累计数 sums."""
    year, month = parse_month(period)
    return [f"{year}-{m:02d}" for m in range(1, month + 1)]


def quarter_label(period: str, lang: str) -> str:
    year, quarter = parse_quarter(period)
    if chinese(lang):  # a date's form
        names = "一二三四"
        return f"{year}年第{names[quarter - 1]}季度" + ("及全年" if quarter == 4 else "")
    return f"Q{quarter} {year}" + (" and the year" if quarter == 4 else "")


def short_month(month: int, lang: str) -> str:
    """A month in a chart or a row of figures: 3月, Mar."""
    return f"{month}月" if chinese(lang) else date(2000, month, 1).strftime("%b")


def month_label(period: str, lang: str) -> str:
    year, month = parse_month(period)
    return f"{year}年{month}月" if chinese(lang) else date(year, month, 1).strftime("%B %Y")


def month_days(period: str) -> tuple[date, date]:
    """The first and the last day of a month "YYYY-MM"."""
    year, month = parse_month(period)
    after = _shift(year, month, 1)
    return date(year, month, 1), date(*after, 1) - timedelta(days=1)


def previous_month(day: date) -> str:
    """The month before `day`'s, "YYYY-MM"."""
    year, month = _shift(day.year, day.month, -1)
    return f"{year}-{month:02d}"


# -- the liaisons' run: what is due now -------------------------------------------------------

#: A period this long past its missing list is not prompted any more (a liaison who registers late
#: in the quarter is not asked for a summary long overdue).
STALE_AFTER = timedelta(days=27)


@dataclass(frozen=True)
class Round:
    """What a run at `now` owes for one period: the prompt and reminder events whose time has come, in
    order (a person's keys follow them); whether the admins' missing list is due; whether it is overdue."""

    events: tuple[str, ...]
    missing_due: bool
    overdue: bool


def liaison_round(schedule: Schedule, now: datetime, at: time) -> Round | None:
    """None when nothing goes out for this period now: no prompt yet, or the period is stale."""
    passed = [name for name, when in schedule.events(at) if when <= now.replace(tzinfo=None)]
    events = tuple(n for n in passed if n != "missing")
    if not events or now.date() > schedule.missing_on + STALE_AFTER:
        return None
    return Round(events, "missing" in passed, schedule.is_late(now.date()))


def nudge(prompt_reached: bool, latest_reached: bool) -> str | None:
    """What one liaison gets: nothing once the latest event reached them, a reminder once the prompt
    did, else the prompt (late, it stands for the reminders it caught up with)."""
    if latest_reached:
        return None
    return "reminder" if prompt_reached else "prompt"


def missing_list_now(round_: Round, prompts: int) -> bool:
    """The admins' list of missing units goes out once due, but waits a day after a catch-up prompt
    (the liaisons just prompted get a day to answer)."""
    return round_.missing_due and prompts == 0
