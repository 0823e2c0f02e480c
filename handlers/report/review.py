"""Step 9's view: the report as the reporter typed it (name and phone masked), with a "change"
button per part, submit and cancel."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from core import taxonomy
from core.office import OfficeConfig
from handlers import labels
from handlers.callbacks import TipButton, in_rows, keyboard
from handlers.i18n import Translate
from handlers.state import ReportDraft

_SUMMARY_TEXT = 300


def _mask(text: str, keep_start: int, keep_end: int) -> str:
    hidden = max(len(text) - keep_start - keep_end, 1)
    return text[:keep_start] + "*" * hidden + (text[-keep_end:] if keep_end else "")


def _lines(draft: ReportDraft, office: OfficeConfig, _: Translate, lang: str) -> list[str]:
    a = draft.answers
    who = labels.reporter_type(a.get("who"), _)
    kind = taxonomy.KIND_BY_CODE[a["kind"]].label(lang) if a.get("kind") else "—"
    if a.get("subtype"):
        kind += " · " + taxonomy.SUBTYPE_BY_CODE[a["subtype"]].label(lang)
    lines = [_("1 Who: {value}").format(value=who), _("2 What: {value}").format(value=kind)]
    if a.get("kind") == "concealed":
        lines.append("   " + labels.accident(a.get("accident_when", "—"), a.get("dead"), a.get("injured"), _))
    industry = taxonomy.INDUSTRY_BY_CODE[a["industry"]].label(lang) if a.get("industry") else "—"
    lines.append(_("3 Industry: {value}").format(value=industry))
    place = [v.label(lang) for v in office.villages if v.code == a.get("village")]
    place += [a["site"]] if a.get("site") else []
    place += [_("📍 location attached")] if a.get("location") else []
    lines.append(_("4 Where: {value}").format(value=taxonomy.SEMICOLON.label(lang).join(place) or "—"))
    text = a.get("description", "—")
    if len(text) > _SUMMARY_TEXT:
        text = (
            text[:_SUMMARY_TEXT]
            + "…"
            + _.ngettext("({length} character in all)", "({length} characters in all)", len(text)).format(
                length=len(text)
            )
        )
    lines.append(_("5 What happened: {value}").format(value=text))
    count = draft.files
    lines.append(_.ngettext("6 Evidence: {count} file", "6 Evidence: {count} files", count).format(count=count))
    if a.get("identity") == "named":
        contact = _("name {name}, phone {phone}").format(
            name=_mask(a.get("name", ""), 1, 0), phone=_mask(a.get("phone", ""), 3, 4)
        )
    else:
        contact = _("anonymous")
    lines.append(_("7 Your identity: {value}").format(value=contact))
    push = _("notices in this chat") if a.get("push") == "yes" else _("I will check myself")
    lines.append(_("8 Updates: {value}").format(value=push))
    return lines


def summary(draft: ReportDraft, office: OfficeConfig, _: Translate, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    text = _("Please check your report:") + "\n\n" + "\n".join(_lines(draft, office, _, lang))
    text += "\n\n" + _("Tap a button to change a part, or submit.")
    edits = [
        (_("Change 1 who"), "who"), (_("Change 2 what"), "kind"), (_("Change 3 industry"), "industry"),
        (_("Change 4 where"), "village"), (_("Change 5 what happened"), "description"),
        (_("Change 6 evidence"), "evidence"), (_("Change 7 identity"), "identity"), (_("Change 8 updates"), "push"),
    ]  # fmt: skip
    rows = in_rows([(label, TipButton(step="summary", value="edit", group=group)) for label, group in edits], 2)
    rows.append([(_("✅ Submit the report"), TipButton(step="summary", value="submit"))])
    rows.append([(_("✖ Cancel"), TipButton(step="cancel"))])
    return text, keyboard(rows)
