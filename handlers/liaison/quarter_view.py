"""`/quarter 2026-Q3` (admin and intake officer): each unit's activity summary and 典型案例 for the
quarter with their documents, and who is missing or late. Every reading is audited."""

from __future__ import annotations

import logging

from telegram import Update

from core.periods import current_quarter, parse_quarter, quarter_label
from core.roles import Role, StaffMember
from handlers.context import Context
from handlers.files import staff_file
from handlers.i18n import join, sentences
from handlers.office.access import staff_only
from handlers.office.stepup import needs_code

log = logging.getLogger("tipline.quarter")


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def quarter_command(update: Update, context: Context, member: StaffMember) -> None:
    _ = context.tr
    svc = context.services
    lang = context.lang
    latest = current_quarter(context.now, svc.office.figures.at)
    period = context.args[0].upper() if context.args else (latest.period if latest else "")
    if parse_quarter(period) is None:
        await update.effective_message.reply_text(_("Please give the quarter like this: /quarter 2026-Q3"))
        return
    reports = {r.unit_id: r for r in await svc.submissions.quarters(period)}
    units = await svc.units.all()
    missing = [u.name for u in units if u.id not in reports]
    label = quarter_label(period, lang)
    lines = [_.ngettext("{quarter}: {sent} of {units} unit has sent its summary.",
                        "{quarter}: {sent} of {units} units have sent their summary.", len(units)).format(
        quarter=label, sent=len(units) - len(missing), units=len(units))]  # fmt: skip
    if missing:
        lines.append(sentences([_("Missing:"), join(missing, lang)], lang))
    await update.effective_message.reply_text("\n".join(lines))
    await svc.trail.note(actor=member.user_id, action="quarter.read", at=context.now, detail=period)
    for unit in units:
        report = reports.get(unit.id)
        if report is None:
            continue
        head = f"🏘 {unit.name} · {label} · " + _("version {version}, {date}").format(
            version=report.version, date=report.submitted_at[:10]
        )
        if report.late:
            head += " · " + _("late")
        await update.effective_message.reply_text(head + "\n\n" + _("Summary") + f"\n{report.summary}")
        await update.effective_message.reply_text(_("Typical cases") + f"\n{report.cases or '—'}")
        for document in await svc.submissions.documents(report.id):
            name, warning = staff_file(_, document.name, document.body)
            await update.effective_message.reply_document(document.body, filename=name, caption=warning)
    log.info("quarter summaries sent for %s", period)
