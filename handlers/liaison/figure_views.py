"""What a liaison reads while sending the monthly figures: the question for one field (with the unit and
last month's value), the whole form to fill in one message, a broken rule, and the preview of 本月数
beside the computed 累计数. What is wrong with one typed line is said by the form engine
(handlers.forms.fields.figure_problem)."""

from __future__ import annotations

from core.figures import Column, Rule, Template, form_text, format_value, ratio
from core.periods import month_label
from core.taxonomy import chinese
from handlers.i18n import Translate, aside, colon


def heading(unit: str, period: str, lang: str) -> str:
    return f"🏘 {unit} · {month_label(period, lang)}"


def amount(column: Column, value: int | None, lang: str, _: Translate) -> str:
    """A value with its unit: "118 家", "1.25 万元"; in English a count alone, money "1.25 × 10,000 yuan"."""
    if value is None:
        return _("not reported")
    if chinese(lang):  # a Chinese count always has its measure word
        return f"{format_value(column, value)} {column.unit}"
    if column.kind == "money":
        return f"{format_value(column, value)} × {column.unit_label(lang)}"
    return format_value(column, value)


def field_question(template: Template, column: Column, last: dict[str, int] | None, lang: str, _: Translate) -> str:
    typed = template.typed
    position = _("Question {index} of {count}").format(index=typed.index(column) + 1, count=len(typed))
    unit = column.unit_label(lang) if chinese(lang) or column.kind == "money" else None
    lines = [position, column.label(lang) + (aside(unit, lang) if unit else "")]
    lines.append(_("Last month") + colon(lang) + amount(column, (last or {}).get(column.code), lang, _))
    if column.kind == "money":
        lines.append(_("In units of 10,000 yuan, up to 4 decimals: 1.25 means 12,500 yuan."))
    else:
        lines.append(_("A whole number, 0 or more."))
    return "\n".join(lines)


def rule_problem(template: Template, rule: Rule, values: dict[str, int], ytd: dict[str, int], lang: str,
                 _: Translate) -> str:  # fmt: skip
    left, right = template.column(rule.left), template.column(rule.right)
    shown = values if rule.scope == "month" else ytd
    text = (
        _("{left} ({left_value}) cannot be more than {right} ({right_value}).")
        if rule.scope == "month"
        else _("Year to date, {left} ({left_value}) cannot be more than {right} ({right_value}).")
    )
    return text.format(
        left=left.label(lang),
        left_value=format_value(left, shown.get(left.code, 0)),
        right=right.label(lang),
        right_value=format_value(right, shown.get(right.code, 0)),
    )


def jump_line(column: Column, value: int, last: int, lang: str, _: Translate) -> str:
    return "• " + _("{name}: {value} (last month {last})").format(
        name=column.label(lang), value=amount(column, value, lang, _), last=amount(column, last, lang, _)
    )


def one_message_form(template: Template, lang: str, _: Translate) -> str:
    return "\n\n".join([
        _("Copy the form below, write each number after its colon, and send it back to me as one message. "
          "A line left empty counts as 0 once you confirm it."),
        form_text(template, lang),
    ])  # fmt: skip


def preview(template: Template, values: dict[str, int], ytd: dict[str, int], lang: str, _: Translate) -> str:
    lines = [_("Please check: this month (本月数) and year to date (累计数)."), ""]
    for column in template.columns:
        if column.ratio_of:
            month, year = ratio(template, column, values), ratio(template, column, ytd)
            shown = [f"{v} %" if v is not None else "—" for v in (month, year)]
        else:
            shown = [amount(column, figures.get(column.code, 0), lang, _) for figures in (values, ytd)]
        lines.append(f"{column.label(lang)}{colon(lang)}{shown[0]} · " + _("year to date") + f" {shown[1]}")
    return "\n".join(lines)
