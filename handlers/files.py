"""Files people send (evidence): which attachment, downloading within the Bot API's limit, cleaning images."""

from __future__ import annotations

import asyncio
import functools
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, BaseHandler, MessageHandler, TypeHandler, filters

from core.filetypes import ALLOWED, Verdict, classify, extension_of
from core.media import DOWNLOAD_LIMIT, OversizedImage, UnreadableImage, is_image, is_uncleanable_image
from handlers.context import Context
from handlers.i18n import Translate
from handlers.writethrough import save_chat
from storage.drafts import EvidenceFile
from storage.image_worker import UncheckedFile, examine

log = logging.getLogger("tipline.files")

FILES = filters.PHOTO | filters.VIDEO | filters.Document.ALL
VOICE = filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE
#: Names a picture goes by: such a file is decoded as an image, and refused if it is none.
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "jpe", "png", "webp", "gif", "bmp", "tif", "tiff"})
#: bot_data key: chat id -> the files of that chat being received in the background, in arrival order.
_PENDING = "files_pending"

__all__ = [
    "FILES",
    "VOICE",
    "Received",
    "UnreadableImage",
    "attachment",
    "content_refusal",
    "fetch",
    "in_background",
    "receive",
    "settle",
    "staff_copy",
    "too_large_text",
    "uncleanable_text",
    "unreadable_text",
    "waiting_handlers",
]


@dataclass(frozen=True)
class Received:
    """What became of a file: stored (`file`), or why not."""

    file: EvidenceFile | None = None
    too_large: bool = False
    unreadable: bool = False
    #: An image format whose metadata we cannot remove (HEIC): refused, to be sent as a photo.
    uncleanable: bool = False
    #: An image of more pixels than core.media.MAX_PIXELS: refused before decoding.
    oversized: bool = False
    #: Refused by core.filetypes: active content or macros.
    refused: Verdict | None = None
    #: A file (no image) whose check ran out of time: refused.
    unchecked: bool = False

    @property
    def cleaned(self) -> bool:
        return self.file is not None and is_image(self.file.mime_type)

    def problem(self, _: Translate) -> str | None:
        """What to tell the sender when the file was not stored."""
        if self.too_large:
            return too_large_text(_)
        if self.oversized:
            return oversized_text(_)
        if self.unreadable:
            return unreadable_text(_)
        if self.uncleanable:
            return uncleanable_text(_)
        if self.unchecked:
            return unchecked_text(_)
        return verdict_text(_, self.refused)


def _attachment(update: Update) -> tuple[str, object, str, str]:
    """(kind, Telegram object, file name, MIME type) of the message's file."""
    message = update.message
    if message.photo:
        return "photo", message.photo[-1], "photo.jpg", "image/jpeg"
    if message.video:
        video = message.video
        return "video", video, video.file_name or "video.mp4", video.mime_type or "video/mp4"
    document = message.document
    return "document", document, document.file_name or "document", document.mime_type or "application/octet-stream"


async def _download(context: Context, telegram_file: object) -> bytes | None:
    """The file's bytes, or None when it is over the Bot API's 20 MB limit."""
    size = getattr(telegram_file, "file_size", None)
    if size is not None and size > DOWNLOAD_LIMIT:
        return None
    try:
        file = await context.bot.get_file(telegram_file.file_id)
    except BadRequest as exc:
        if "too big" in str(exc).lower():
            return None
        raise
    data = bytes(await file.download_as_bytearray())
    return data if len(data) <= DOWNLOAD_LIMIT else None


def attachment(update: Update) -> tuple[str, str, str, int | None]:
    """(file id, file name, MIME type, size if known) of the message's file, for downloading later."""
    _kind, telegram_file, name, mime = _attachment(update)
    return telegram_file.file_id, name, mime, getattr(telegram_file, "file_size", None)


async def fetch(context: Context, file_id: str) -> bytes | None:
    """A file's bytes by its id (an official's document, kept as sent), or None when too large."""
    return await _download(context, SimpleNamespace(file_id=file_id, file_size=None))


async def receive(update: Update, context: Context) -> Received:
    """Download the message's file and check it in a worker process (storage.image_worker), off the
    event loop: images lose their metadata (re-encoded; their decoded pixels count against the chat's
    `[limits] bytes_per_day`, a pixel as a byte), other files are checked against core.filetypes'
    allow-list. The verdict is kept with the file (its name's extension), so staff get it unchecked."""
    kind, telegram_file, name, mime = _attachment(update)
    data = await _download(context, telegram_file)
    if data is None:
        return Received(too_large=True)
    # Original names are not kept: a phone's "IMG_20261123_1430.jpg" tells when and with what.
    if is_uncleanable_image(data, mime):
        return Received(uncleanable=True)
    as_image = kind == "photo" or is_image(mime) or extension_of(name) in IMAGE_EXTENSIONS
    try:
        examined = await examine(name, data, image=as_image, chat=update.effective_chat.id)
    except OversizedImage:
        log.info("an image over the pixel budget refused")
        return Received(oversized=True)
    except UnreadableImage:
        return Received(unreadable=True)
    except UncheckedFile:
        log.info("a file could not be checked in time")
        return Received(unchecked=True)
    if examined.image is not None:
        clean, clean_mime = examined.image
        context.services.limits.charge_bytes(update.effective_chat.id, context.today, examined.pixels)
        extension = clean_mime.split("/")[1].replace("jpeg", "jpg")
        return Received(EvidenceFile(kind, f"{kind}.{extension}", clean_mime, clean, checked=True))
    filetype = examined.filetype
    if filetype.verdict.refused:
        log.info("a file refused (%s)", filetype.verdict.value)
        return Received(refused=filetype.verdict)
    stored_mime = mime if filetype.verdict is Verdict.ALLOWED else "application/octet-stream"
    return Received(EvidenceFile(kind, f"{kind}.{filetype.extension}", stored_mime, data, checked=True))


def staff_copy(_: Translate, number: str, index: int, total: int, file: EvidenceFile) -> tuple[str, str]:
    """(file name, caption) of an evidence file sent to staff."""
    name, warning = staff_file(_, file.name, file.data, checked=file.checked)
    caption = f"{number} · {index}/{total}" + (f"\n{warning}" if warning else "")
    return f"{number}-{index}-{name}", caption


def staff_file(_: Translate, name: str, data: bytes, *, checked: bool = False) -> tuple[str, str | None]:
    """(file name, warning or None) of any file sent to staff. A file `checked` when received keeps
    the extension of its verdict; any other (kept before the checks, a liaison's document) is checked
    now (core.filetypes: bounded, a ZIP's directory is parsed once and capped). One not on the
    allow-list goes as .bin, with the warning. The stem loses control and format characters (a
    right-to-left override could show "exe.pdf" as "fdp.exe"), path separators, and is cut to 60."""
    extension = extension_of(name) if checked else classify(name, data).extension
    stem = clean_stem(name.rsplit(".", 1)[0])
    if extension != "bin" and extension in ALLOWED:
        return f"{stem}.{extension}", None
    return f"{stem}.bin", _("⚠ Unknown file type, sent as .bin: do not open it on an office computer.")


def clean_stem(stem: str) -> str:
    """A file name's stem without control or format characters (Unicode Cc, Cf), path separators or
    reserved characters, at most 60 characters; "file" when nothing is left."""
    kept = "".join(c for c in stem if unicodedata.category(c) not in ("Cc", "Cf") and c not in '/\\:*?"<>|')
    return kept.strip(" .")[:60].strip() or "file"


def refusal_text(_: Translate, name: str) -> str | None:
    """Why a file is not accepted by its name alone (active content or macros), or None."""
    return verdict_text(_, classify(name, b"").verdict)


async def content_refusal(_: Translate, name: str, data: bytes, chat: int) -> str | None:
    """Why a file is not accepted by its name and bytes, checked in a worker process off the event
    loop (storage.image_worker), or None."""
    try:
        examined = await examine(name, data, image=False, chat=chat)
    except UncheckedFile:
        return unchecked_text(_)
    except UnreadableImage:  # bytes that begin as a picture but are none
        return unreadable_text(_)
    return None if examined.filetype is None else verdict_text(_, examined.filetype.verdict)


def verdict_text(_: Translate, verdict: Verdict | None) -> str | None:
    if verdict is Verdict.MACRO:
        return macro_text(_)
    if verdict is Verdict.ACTIVE:
        return active_text(_)
    return None


# -- receiving in the background ----------------------------------------------------------------
#
# python-telegram-bot handles one update at a time. A file's download and decoding take seconds, so
# the reporter's file handlers run with block=False: the bot goes on with other chats' updates, and
# the conversation waits (ConversationHandler.WAITING) until the file is stored. Meanwhile more files
# of the same chat (an album) are queued behind it, and anything else is answered "one moment".

Handler = Callable[[Update, Context], Awaitable[object]]


def in_background(handler: Handler) -> Handler:
    """Run a file handler after the chat's earlier files, and save the chat's data when it is done
    (the update's own save ran when the handler was started). The task returns only once the files
    queued behind it are stored too: the first file's task is the one the conversation waits for, so
    a "Done" tapped while an album is being received is answered after its last photo."""

    @functools.wraps(handler)
    async def queued(update: Update, context: Context) -> object:
        chat_id = update.effective_chat.id
        queue = context.application.bot_data.setdefault(_PENDING, {}).setdefault(chat_id, [])
        mine = _Queued(asyncio.current_task(), asyncio.Event())
        earlier = [entry.stored for entry in queue]
        queue.append(mine)
        mine.task.add_done_callback(functools.partial(_forget, context.application, chat_id, mine))
        for stored in earlier:
            await stored.wait()
        try:
            return await handler(update, context)
        finally:
            try:
                await save_chat(context.application, chat_id)  # this chat only, in one transaction
            finally:
                mine.stored.set()
            while later := [entry for entry in queue[queue.index(mine) + 1 :] if not entry.stored.is_set()]:
                await later[0].stored.wait()

    return queued


@dataclass(frozen=True)
class _Queued:
    task: asyncio.Task
    #: Set once the file is stored (or refused): the next file of the chat may go.
    stored: asyncio.Event


def _forget(app: Application, chat_id: int, entry: _Queued, _task: asyncio.Task) -> None:
    """A chat's file task is done (the conversation can resolve its state): it leaves the queue."""
    pending = app.bot_data.get(_PENDING, {})
    queue = pending.get(chat_id, [])
    if entry in queue:
        queue.remove(entry)
    if not queue:
        pending.pop(chat_id, None)


def receiving(app: Application, chat_id: int) -> bool:
    """Whether a file of the chat is being received: its task runs outside the chat's update (block=False),
    so the update processor does not count it busy; the persistence does (bot.app), and housekeeping and
    the quiet sweep leave the chat's draft to the task, which writes it when the file is stored."""
    return bool(app.bot_data.get(_PENDING, {}).get(chat_id))


async def settle(app: Application, chat_id: int) -> None:
    """Wait until the chat's files started by the updates so far are stored (tests, the console)."""
    await asyncio.sleep(0)  # let tasks created for the last update start and queue themselves
    while queue := list(app.bot_data.get(_PENDING, {}).get(chat_id, ())):
        await asyncio.wait([entry.task for entry in queue])


def waiting_handlers(on_file: Handler) -> list[BaseHandler]:
    """The conversation's WAITING state, while a file is being received: files queue, the rest waits."""
    return [MessageHandler(FILES, on_file, block=False), TypeHandler(Update, _busy)]


async def _busy(update: Update, context: Context) -> None:
    _ = context.tr
    text = _("One moment: your file is still being received. Then send or tap that again.")
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


def too_large_text(_: Translate) -> str:
    return _(
        "This file is larger than 20 MB, which the bot cannot receive. Everything else you entered is kept. "
        "You can send a smaller copy (for example a shorter video), or describe it in your report."
    )


def uncleanable_text(_: Translate) -> str:
    return _(
        "This picture is in a format (such as HEIC) whose location and camera details cannot be removed. "
        "Please send it as a photo instead of as a file: Telegram then converts it and the details can be removed."
    )


def unreadable_text(_: Translate) -> str:
    return _("This picture could not be read. Please send it again as a photo.")


def unchecked_text(_: Translate) -> str:
    return _(
        "This file could not be checked in time, so it is not accepted. Everything else you entered is kept. "
        "Please send a photo or a PDF of what it shows instead."
    )


def oversized_text(_: Translate) -> str:
    return _(
        "This picture has too many pixels for the bot to read. Everything else you entered is kept. "
        "Please send it as a photo instead of as a file (Telegram then makes it smaller), or send a smaller copy."
    )


def active_text(_: Translate) -> str:
    return _(
        "This kind of file (a program, script, shortcut or web page) is not accepted: it could harm the "
        "office's computers. Please send a photo or a PDF of what it shows instead."
    )


def macro_text(_: Translate) -> str:
    return _(
        "Office files with macros (such as .docm or .xlsm) are not accepted: macros could harm the office's "
        "computers. Please save it without macros (as .docx, .xlsx or PDF), or send a photo of it."
    )
