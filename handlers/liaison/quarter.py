"""The quarter's activity summary and 典型案例 (seed 000), with documents: a liaison writes the summary,
then the typical cases (or none), then sends any documents, checks and sends. Every version is kept;
a late one is marked late. Like the monthly figures, a state of the chat's one conversation."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from core.media import DOWNLOAD_LIMIT
from core.periods import current_quarter, parse_quarter, quarter_label, quarterly_schedule
from handlers.context import Context
from handlers.files import FILES, attachment, content_refusal, fetch, refusal_text
from handlers.i18n import join
from handlers.liaison.figure_views import keyboard
from handlers.liaison.home import end_flow, stored_reply
from handlers.report.flow import FLOW
from storage.figures import Document, PeriodLocked

log = logging.getLogger("tipline.quarter")
QUARTER = "liaison_quarter"
_KEY = "quarter"
MAX_TEXT = 3500
MAX_DOCUMENTS = 10
PREVIEW_PART = 1500  # characters of each text shown in the preview (two of them fit one message)


def _state(context: Context) -> dict | None:
    state = context.chat_data.get(_KEY)
    return state if isinstance(state, dict) and "unit" in state else None


async def _may_enter(context: Context, user_id: int, unit_id: int, period: str) -> str | None:
    _ = context.tr
    svc = context.services
    if not await svc.units.is_liaison(user_id, unit_id):
        return _("You are not the liaison of this unit (any more).")
    latest = current_quarter(context.now, context.services.office.figures.at)
    if parse_quarter(period) is None or latest is None or period > latest.period:
        return _("That quarter cannot be reported yet.")
    if await svc.submissions.locked(period):
        return _("The office has locked this quarter. To change it, please call the office.")
    return None


async def start(update: Update, context: Context) -> object:
    """lq:<unit>:<period>"""
    query = update.callback_query
    await query.answer()
    _ = context.tr
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        await context.bot.send_message(update.effective_chat.id, _("This button is no longer valid."))
        return ConversationHandler.END
    unit_id, period = int(parts[1]), parts[2]
    problem = await _may_enter(context, update.effective_user.id, unit_id, period)
    if problem is not None:
        await context.bot.send_message(update.effective_chat.id, problem)
        return ConversationHandler.END
    unit = await context.services.units.get(unit_id)
    context.chat_data[FLOW] = "quarter"
    context.chat_data[_KEY] = {"unit": unit_id, "unit_name": unit.name, "period": period, "stage": "summary",
                               "documents": []}  # fmt: skip
    log.info("quarter summary started for unit %s, %s", unit_id, period)
    return await _ask(update, context)


async def _ask(update: Update, context: Context, notice: str = "") -> object:
    state = _state(context)
    _ = context.tr
    head = f"🏘 {state['unit_name']} · {quarter_label(state['period'], context.lang)}"
    stage = state["stage"]
    rows: list[list[tuple[str, str]]] = []
    if stage == "summary":
        text = _("Please write the quarter's activity summary (活动开展情况) in one message.")
    elif stage == "cases":
        text = _("Now the typical cases (典型案例), in one message: what was found, what was done.")
        rows.append([(_("No typical case this quarter"), "lq2:nocase")])
    elif stage == "documents":
        count = len(state["documents"])
        text = _("Send any documents (photos, PDF, Word…) now, one or several; then tap “Done”. "
                 "Documents so far: {count}.").format(count=count)  # fmt: skip
        rows.append([(_("Done"), "lq2:done")])
    else:
        text = _preview(state, _, context.lang)
        rows.append([(_("✅ Send"), "lq2:send")])
    rows.append([(_("✖ Cancel"), "lq2:cancel")])
    body = "\n\n".join(p for p in (notice, head, text) if p)
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=keyboard(rows))
    return QUARTER


def _preview(state: dict, _, lang: str) -> str:
    cases = _shortened(state.get("cases") or _("none"))
    names = join((d["name"] for d in state["documents"]), lang) or _("none")
    return "\n\n".join([
        _("Please check before sending."),
        _("Summary") + f"\n{_shortened(state['summary'])}",
        _("Typical cases") + f"\n{cases}",
        _("Documents") + f"\n{names}",
    ])  # fmt: skip


def _shortened(text: str) -> str:
    """The start and end of a long text: the preview must fit one message with both texts."""
    return text if len(text) <= PREVIEW_PART else f"{text[: PREVIEW_PART // 2]} … {text[-PREVIEW_PART // 2 :]}"


async def on_text(update: Update, context: Context) -> object:
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    _ = context.tr
    text = update.message.text.strip()
    if state["stage"] not in ("summary", "cases"):
        return await _ask(update, context, _("Please use the buttons below."))
    if len(text) < 4:
        return await _ask(update, context, _("Please write a little more."))
    if len(text) > MAX_TEXT:
        return await _ask(update, context, _("That is {length} characters; please keep it under {limit}.").format(
            length=len(text), limit=MAX_TEXT))  # fmt: skip
    state[state["stage"]] = text
    state["stage"] = "cases" if state["stage"] == "summary" else "documents"
    return await _ask(update, context)


async def on_file(update: Update, context: Context) -> object:
    state = _state(context)
    if state is None:
        return ConversationHandler.END
    _ = context.tr
    if state["stage"] != "documents":
        return await _ask(update, context, _("Documents come after the text: please answer the question first."))
    if len(state["documents"]) >= MAX_DOCUMENTS:
        return await _ask(update, context, _("That is the most documents one summary can take ({count}).").format(
            count=MAX_DOCUMENTS))  # fmt: skip
    file_id, name, mime, size = attachment(update)
    if size is not None and size > DOWNLOAD_LIMIT:
        return await _ask(update, context, _("This file is larger than 20 MB, which the bot cannot receive. "
                                             "Please send a smaller copy."))  # fmt: skip
    refused = refusal_text(_, name)
    if refused is not None:
        return await _ask(update, context, refused)
    state["documents"].append({"name": name[:100], "mime": mime, "file_id": file_id})
    return await _ask(update, context)


async def on_button(update: Update, context: Context) -> object:
    query = update.callback_query
    await query.answer()
    state = _state(context)
    _ = context.tr
    if state is None:
        await context.bot.send_message(update.effective_chat.id, _("This button is no longer valid."))
        return ConversationHandler.END
    action = query.data.removeprefix("lq2:")
    if action == "cancel":
        return await _end(update, context, _("Cancelled. Nothing was stored."))
    if action == "nocase" and state["stage"] == "cases":
        state.update(cases="", stage="documents")
    elif action == "done" and state["stage"] == "documents":
        state["stage"] = "preview"
    elif action == "send" and state["stage"] == "preview":
        return await _send(update, context, state)
    else:
        return await _ask(update, context, _("This button is no longer valid."))
    return await _ask(update, context)


async def _send(update: Update, context: Context, state: dict) -> object:
    _ = context.tr
    user = update.effective_user.id
    problem = await _may_enter(context, user, state["unit"], state["period"])
    if problem is not None:
        return await _end(update, context, problem + "\n" + _("Nothing was stored."))
    documents = await _download_all(context, state)
    if documents is None:
        state["documents"], state["stage"] = [], "documents"
        return await _ask(update, context, _("A document could not be fetched from Telegram. Please send the "
                                             "documents again."))  # fmt: skip
    chat = update.effective_chat.id  # each checked in a worker process, off the event loop
    refused = next(filter(None, [await content_refusal(_, d.name, d.body, chat) for d in documents]), None)
    if refused is not None:  # a program or macros behind a harmless name
        state["documents"], state["stage"] = [], "documents"
        return await _ask(update, context, refused + "\n" + _("Please send the documents again."))
    late = quarterly_schedule(state["period"]).is_late(context.today)
    try:
        stored = await context.services.submissions.submit_quarter(
            state["unit"],
            state["period"],
            state["summary"],
            state.get("cases", ""),
            documents,
            user,
            context.now,
            late,
        )
    except PeriodLocked:
        return await _end(update, context, _("The office has just locked this quarter. Nothing was stored."))
    log.info("quarter summary %s for unit %s, %s, version %d", "unchanged" if stored.unchanged else "stored",
             state["unit"], state["period"], stored.version)  # fmt: skip
    unchanged = _("This summary is version {version}, stored already: nothing changed.")
    return await stored_reply(update, context, _KEY, stored, quarterly_schedule(state["period"]), unchanged)


async def _download_all(context: Context, state: dict) -> list[Document] | None:
    documents = []
    for item in state["documents"]:
        try:
            body = await fetch(context, item["file_id"])
        except TelegramError as exc:
            log.warning("a quarter document could not be fetched: %s", type(exc).__name__)
            return None
        if body is None:
            return None
        documents.append(Document(item["name"], item["mime"], body))
    return documents


async def _end(update: Update, context: Context, text: str) -> object:
    return await end_flow(update, context, _KEY, text)


async def cancel(update: Update, context: Context) -> object:
    _ = context.tr
    return await _end(update, context, _("Cancelled. Nothing was stored."))


async def on_other(update: Update, context: Context) -> object:
    _ = context.tr
    if _state(context) is None:
        return ConversationHandler.END
    return await _ask(update, context, _("Please type the text, send a document, or use the buttons."))


def entry_points() -> list[CallbackQueryHandler]:
    return [CallbackQueryHandler(start, pattern=r"^lq:")]


def states() -> dict[str, list]:
    return {
        QUARTER: [
            CallbackQueryHandler(on_button, pattern=r"^lq2:"),
            MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
            MessageHandler(FILES, on_file),
            MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, on_other),
        ]
    }
