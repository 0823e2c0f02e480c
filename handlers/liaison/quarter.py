"""The quarter's activity summary and 典型案例 (seed 000), with documents, as a form (handlers.forms): a
liaison writes the summary, then the typical cases (or none), then sends any documents, checks and
sends. Documents are checked by name and size when sent, by content in a worker process on sending
(handlers.forms.fields). Every version is kept; a late one is marked late.

The form's subject is "<unit id>:<period>"; its gate lets through the unit's liaison while the quarter
may be reported and is not locked, asked on entering and again on sending."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from core.periods import quarter_label, quarterly_schedule
from handlers.callbacks import QuarterButton, button_expired
from handlers.context import Context
from handlers.forms.engine import AskAgain, Field, Form, Values, begin, define
from handlers.forms.fields import receive_documents, value_text
from handlers.i18n import N_, Translate
from handlers.liaison.gates import person_gate
from handlers.liaison.home import stored_reply
from services.figures import NotLiaison, PeriodLocked
from storage.figures import Document

log = logging.getLogger("tipline.quarter")
MAX_TEXT = 3500
MAX_DOCUMENTS = 10
PREVIEW_PART = 1500  # characters of each text shown in the preview (two of them fit one message)


def _subject(subject: str) -> tuple[int, str] | None:
    unit, _sep, period = subject.partition(":")
    return (int(unit), period) if unit.isdigit() and period else None


async def may_send(context: Context, user_id: int, subject: str) -> str | None:
    """None if this person may send this unit's summary for this quarter now, else why not."""
    _ = context.tr
    unit_id, period = _subject(subject) or (0, "")
    refusal = await context.services.figures.refusal("quarter", user_id, unit_id, period, context.now)
    if refusal == "liaison":
        return _("You are not the liaison of this unit (any more).")
    if refusal == "not_yet":
        return _("That quarter cannot be reported yet.")
    if refusal == "locked":
        return _("The office has locked this quarter. To change it, please call the office.")
    return None


async def start(update: Update, context: Context) -> object:
    """lq:<unit>:<period>"""
    query = update.callback_query
    button = QuarterButton.parse(query.data)
    if button is None:
        await context.bot.send_message(update.effective_chat.id, await button_expired(update, context))
        return ConversationHandler.END
    await query.answer()
    subject = f"{button.unit}:{button.period}"  # the form's subject: which unit, which quarter
    problem = await may_send(context, update.effective_user.id, subject)
    if problem is not None:
        await context.bot.send_message(update.effective_chat.id, problem)
        return ConversationHandler.END
    unit_id, period = _subject(subject)
    unit = await context.services.units.get(unit_id)
    log.info("quarter summary started for unit %s, %s", unit_id, period)
    return await begin(update, context, SUMMARY, subject, args={"unit": unit.name, "period": period})


def _title(args: dict[str, str], lang: str, _: Translate) -> str:
    return f"🏘 {args['unit']} · {quarter_label(args['period'], lang)}"


async def _preview(context: Context, subject: str, values: Values, _: Translate) -> str:
    documents = value_text(SUMMARY.fields[2], values["documents"], context.lang, _)
    return "\n\n".join([
        _("Please check before sending."),
        _("Summary") + f"\n{_shortened(values['summary'])}",
        _("Typical cases") + f"\n{_shortened(values.get('cases') or _('none'))}",
        _("Documents") + f"\n{documents}",
    ])  # fmt: skip


def _shortened(text: str) -> str:
    """The start and end of a long text: the preview must fit one message with both texts."""
    return text if len(text) <= PREVIEW_PART else f"{text[: PREVIEW_PART // 2]} … {text[-PREVIEW_PART // 2 :]}"


async def _send(update: Update, context: Context, user_id: object, subject: str, values: Values) -> str:
    _ = context.tr
    unit_id, period = _subject(subject)
    received, problem = await receive_documents(context, update.effective_chat.id, values["documents"], _)
    if problem is not None:
        raise AskAgain("documents", problem)
    documents = [Document(*document) for document in received]
    try:
        stored = await context.services.figures.submit_quarter(
            unit_id, period, str(values["summary"]), str(values.get("cases") or ""), documents, user_id, context.now
        )
    except NotLiaison:
        return _("You are not the liaison of this unit (any more).") + "\n" + _("Nothing was stored.")
    except PeriodLocked:
        return _("The office has just locked this quarter. Nothing was stored.")
    log.info("quarter summary %s for unit %s, %s, version %d", "unchanged" if stored.unchanged else "stored",
             unit_id, period, stored.version)  # fmt: skip
    unchanged = _("This summary is version {version}, stored already: nothing changed.")
    await stored_reply(update, context, stored, quarterly_schedule(period), unchanged)
    return ""


_SUMMARY_ASKED = N_("Please write the quarter's activity summary (活动开展情况) in one message.")
_CASES_ASKED = N_("Now the typical cases (典型案例), in one message: what was found, what was done.")
_DOCUMENTS_ASKED = N_(
    "Send any documents (photos, PDF, Word…) now, one or several; then tap “Done”. Documents so far: {count}."
)
SUMMARY = define(
    Form(
        action="quarter",
        title=_title,
        fields=(
            Field("summary", _SUMMARY_ASKED, "text", min_len=4, max_len=MAX_TEXT),
            Field(
                "cases",
                _CASES_ASKED,
                "text",
                min_len=4,
                max_len=MAX_TEXT,
                optional=True,
                skip=N_("No typical case this quarter"),
            ),
            Field(
                "documents",
                _DOCUMENTS_ASKED,
                "documents",
                at_most=MAX_DOCUMENTS,
                full=N_("That is the most documents one summary can take ({count})."),
            ),
        ),
        submit=_send,
        summary=_preview,
        by_button=False,
        restart=False,
        confirm="",
        send=N_("✅ Send"),
        at_summary=N_("Please use the buttons below."),
        cancelled=N_("Cancelled. Nothing was stored."),
        gate=person_gate(may_send),
    )
)


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=QuarterButton.pattern)]
