"""Step 6: photos, videos and documents, downloaded at once and stored encrypted in the draft."""

from __future__ import annotations

import logging

from telegram import Update

from handlers.common import Context, services, today, tr
from handlers.files import receive
from handlers.report.steps import draft_of, needs_draft, show

log = logging.getLogger("tipline.evidence")


@needs_draft
async def on_file(update: Update, context: Context) -> object:
    draft = draft_of(context)
    _ = tr(context)
    if draft["step"] != "evidence":
        return await show(update, context, _("Files can be sent at step 6 (evidence). Please answer this step first."))
    svc = services(context)
    limit = svc.office.limits.max_files_per_tip
    if draft["files"] >= limit:
        notice = _("You have sent {limit} files, the most one report can hold.").format(limit=limit)
        return await show(update, context, notice)
    received = await receive(update, context)
    if (problem := received.problem(_)) is not None:
        return await show(update, context, problem)
    await svc.drafts.add(draft["token"], received.file, today(context))
    draft["files"] += 1
    log.info("evidence file added to a draft (%s)", received.file.kind)
    if received.cleaned:
        notice = _("File {count} received. Its location, camera details and time were removed.")
    else:
        notice = _("File {count} received.")
    return await show(update, context, notice.format(count=draft["files"]))
