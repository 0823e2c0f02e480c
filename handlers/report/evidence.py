"""Step 6: photos, videos and documents, downloaded at once and stored encrypted in the draft.

The step's instructions are shown once; each file is then acknowledged in one line, with the
step's buttons, so that a reporter sending five photos does not read the instructions five times.
"""

from __future__ import annotations

import logging

from telegram import Update

from core.media import DOWNLOAD_LIMIT
from handlers.context import Context
from handlers.files import attachment, in_background, receive
from handlers.i18n import N_, Translate, sentences
from handlers.report.questions import evidence_keyboard
from handlers.report.steps import draft_of, needs_draft, show
from handlers.state import ReportDraft
from handlers.uploads import within_daily_bytes

log = logging.getLogger("tipline.evidence")

_KINDS = {"photo": N_("photo"), "video": N_("video"), "document": N_("document")}


def file_received(_: Translate, lang: str, count: int, kind: str, cleaned: bool, left: int) -> str:
    """One line: which file arrived, what was removed from it, how many more may follow."""
    parts = [_("File {count} received ({kind}).").format(count=count, kind=_(_KINDS.get(kind, _KINDS["document"])))]
    if cleaned:
        parts.append(_("Its location, camera details and time were removed."))
    if left:
        parts.append(_.ngettext("You can send {left} more file, or tap “Done”.",
                                "You can send {left} more files, or tap “Done”.", left).format(left=left))  # fmt: skip
    else:
        parts.append(_("That is the most one report can hold: tap “Done”."))
    return sentences(parts, lang)


async def over_draft_bytes(update: Update, context: Context, draft: ReportDraft) -> str | None:
    """The answer when this file (the size Telegram declares) would take the draft over `[limits]
    bytes_per_draft`; None when it fits."""
    svc = context.services
    cap = svc.office.limits.bytes_per_draft
    size = attachment(update)[3]
    if await svc.drafts.total_size(draft.token) + (DOWNLOAD_LIMIT if size is None else size) <= cap:
        return None
    _ = context.tr
    return _(
        "With this file your report would hold more than {mb} MB, the most one report can hold. "
        "Everything else you entered is kept. You can send a smaller copy, or tap “Done”."
    ).format(mb=cap // 2**20)


@in_background
@needs_draft
async def on_file(update: Update, context: Context) -> object:
    draft = draft_of(context)
    _ = context.tr
    if draft.step != "evidence":
        return await show(update, context, _("Files can be sent at step 6 (evidence). Please answer this step first."))
    svc = context.services
    limit = svc.office.limits.max_files_per_tip
    if draft.files >= limit:
        notice = _.ngettext(
            "You have sent {limit} file, the most one report can hold.",
            "You have sent {limit} files, the most one report can hold.",
            limit,
        ).format(limit=limit)
        return await show(update, context, notice)
    if (over := await over_draft_bytes(update, context, draft)) is not None:
        return await show(update, context, over)
    if (over := within_daily_bytes(update, context)) is not None:
        return await show(update, context, over)
    received = await receive(update, context)
    if (problem := received.problem(_)) is not None:
        return await show(update, context, problem)
    await svc.drafts.add(draft.token, received.file, context.today)
    draft.files += 1
    log.info("evidence file added to a draft (%s)", received.file.kind)
    draft.updated = context.today.isoformat()  # as show() does: housekeeping destroys drafts left for days
    left = limit - draft.files
    text = file_received(_, context.lang, draft.files, received.file.kind, received.cleaned, left)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=evidence_keyboard(_, draft.files))
    return draft.step
