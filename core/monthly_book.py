"""The month's .xlsx as a whole: the consolidated sheet of core.monthly_sheet and, for a template whose
form lists its items as rows, a sheet per unit from core.unit_sheets (which reads core.monthly's
words and cells, so the two are put together here rather than in either). And the month's three
files (the .xlsx, the CSV, the chart) from plain data, as /monthly's worker processes make them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from core.figures import Template
from core.monthly import (
    Sent,
    UnitFigures,
    by_month,
    consolidate,
    monthly_chart,
    monthly_csv,
    parse_period,
    title,
)
from core.monthly_sheet import consolidated_sheet
from core.periods import year_months
from core.rate_report import YearRates, rates_panels, year_rates
from core.rates import TipCounts
from core.rates_sheet import TipPart, add_rates_sheet
from core.sheets import Book
from core.unit_sheets import add_unit_sheets


def monthly_xlsx(template: Template, *, period: str, office: str | None, units: Sequence[UnitFigures],
                 made_on: date, lang: str = "zh", exposed: tuple[int, int] = (0, 0), rates: bool = False,
                 tips: TipPart | None = None) -> bytes:  # fmt: skip
    """The month's table laid out like the seed form (see core.monthly's docstring), as the file's
    bytes; `office` is the 填报单位, the office's formal name (None: left blank, to fill in by
    hand). A template with `unit_sheets` adds a sheet per unit; `rates` the "6 个 100%" sheet last
    (core.rates_sheet, with the tips' rates by department when `tips` is given). `exposed`: the
    office's own exposures in the month and the year to date, counted in 合计 (core.rates)."""
    book = Book()
    sheet = book.sheet(period[:31])
    consolidated_sheet(sheet, template, period=period, office=office, units=units, made_on=made_on, lang=lang,
                       exposed=exposed)  # fmt: skip
    if template.unit_sheets:
        add_unit_sheets(book, template, period=period, units=units, lang=lang)
    if rates:
        add_rates_sheet(book, template, period=period, units=units, exposed=exposed, tips=tips, lang=lang)
    return book.bytes()


# -- the month's files from plain data, for a worker process ---------------------------------------


@dataclass(frozen=True)
class MonthData:
    """What the month's files are made of, as read from the database: plain data a worker process
    takes (bot.workers), so the table, the CSV and the chart are made off the event loop."""

    template: Template
    period: str
    units: list[tuple[int, str]]  # (id, name) of every active unit, in the table's order
    sent: Sent  # (unit id, period) → (values, late), the year's months up to the period
    sent_on: dict[int, date]  # the day each unit sent the period's figures (its latest version)
    office: str | None  # 填报单位: the office's formal name in the files' language
    made_on: date
    lang: str
    #: The office's own exposures published through its channel: "YYYY-MM" → enterprises (issue 19).
    exposed: dict[str, int] = field(default_factory=dict)
    #: The year's tips reduced to counts by (承办部门, "YYYY-MM" of receipt) (core.rates.count_tips); None:
    #: the tips were not read, and the files leave their rates out.
    tips: dict[tuple[str, str], TipCounts] | None = None
    #: (code, name in the files' language) of the office's departments, in its order.
    departments: list[tuple[str, str]] = field(default_factory=list)

    def missing(self) -> list[str]:
        """The units that have not sent the period's figures."""
        return [name for unit_id, name in self.units if (unit_id, self.period) not in self.sent]

    def late(self) -> list[str]:
        return [name for unit_id, name in self.units if self.sent.get((unit_id, self.period), ({}, False))[1]]

    def rows(self) -> list[UnitFigures]:
        rows = consolidate(self.template, self.period, self.units, self.sent)
        days = [self.sent_on.get(unit_id) for unit_id, _name in self.units]  # 填报时间
        return [replace(row, sent_on=day) for row, day in zip(rows, days, strict=True)]

    def exposures(self) -> tuple[int, int]:
        """The office's own exposures in the month and in the year to date."""
        return self.exposed.get(self.period, 0), sum(self.exposed.get(m, 0) for m in year_months(self.period))

    def rates(self) -> YearRates:
        """The "6 个 100%" of every active unit that sent figures and of the tips, month by month to the
        period: its last month is the period, its year the year to date (core.rate_report)."""
        year, month = parse_period(self.period)
        active = {unit_id for unit_id, _name in self.units}
        sent = {key: values for key, (values, _late) in self.sent.items() if key[0] in active}
        return year_rates(self.template, sent, self.tips or {}, year, month, self.exposed)


def month_xlsx(month: MonthData) -> bytes:
    tips = None if month.tips is None else TipPart(month.tips, month.departments)
    return monthly_xlsx(month.template, period=month.period, office=month.office, units=month.rows(),
                        made_on=month.made_on, lang=month.lang, exposed=month.exposures(), rates=True,
                        tips=tips)  # fmt: skip


def month_csv(month: MonthData) -> bytes:
    return monthly_csv(month.template, period=month.period, units=month.rows(), lang=month.lang,
                       exposed=month.exposures())  # fmt: skip


def month_chart(month: MonthData) -> bytes:
    """The year's main figures by month, then each "6 个 100%" rate with a value by month against the
    100% line (one picture: the rates under the figures they divide, in /monthly and the export
    alike); core.charts.CjkFontMissing without a Chinese font."""
    year = parse_period(month.period)[0]
    totals = by_month(month.template, month.period, month.sent)
    heading = title(month.template, month.period, month.lang)
    more = rates_panels(month.rates(), month.lang)
    return monthly_chart(month.template, year=year, by_month=totals, lang=month.lang, title=heading, more=more)


def month_rates(month: MonthData) -> YearRates:
    """/monthly's rates message: the month's and the year to date's (MonthData.rates), in a worker."""
    return month.rates()
