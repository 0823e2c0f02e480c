"""Files people send (evidence): which attachment, downloading within the Bot API's limit, cleaning images."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import filters

from core.media import (
    DOWNLOAD_LIMIT,
    UnreadableImage,
    is_image,
    is_uncleanable_image,
    looks_like_image,
    safe_extension,
    strip_image_metadata,
)
from handlers.common import Context
from handlers.i18n import Translate
from storage.drafts import EvidenceFile

FILES = filters.PHOTO | filters.VIDEO | filters.Document.ALL
VOICE = filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE

__all__ = [
    "FILES",
    "VOICE",
    "Received",
    "UnreadableImage",
    "attachment",
    "fetch",
    "receive",
    "too_large_text",
    "uncleanable_text",
    "unreadable_text",
]


@dataclass(frozen=True)
class Received:
    """What became of a file: stored (`file`), too large for the Bot API, or not a readable image."""

    file: EvidenceFile | None = None
    too_large: bool = False
    unreadable: bool = False
    #: An image format whose metadata we cannot remove (HEIC): refused, to be sent as a photo.
    uncleanable: bool = False

    @property
    def cleaned(self) -> bool:
        return self.file is not None and is_image(self.file.mime_type)

    def problem(self, _: Translate) -> str | None:
        """What to tell the sender when the file was not stored."""
        if self.too_large:
            return too_large_text(_)
        if self.unreadable:
            return unreadable_text(_)
        if self.uncleanable:
            return uncleanable_text(_)
        return None


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
    """Download the message's file; images lose their metadata (in a thread: decoding is CPU work)."""
    kind, telegram_file, name, mime = _attachment(update)
    data = await _download(context, telegram_file)
    if data is None:
        return Received(too_large=True)
    # Original names are not kept: a phone's "IMG_20261123_1430.jpg" tells when and with what.
    if is_uncleanable_image(data, mime):
        return Received(uncleanable=True)
    if kind == "photo" or is_image(mime) or await asyncio.to_thread(looks_like_image, data):
        try:
            clean, clean_mime = await asyncio.to_thread(strip_image_metadata, data)
        except UnreadableImage:
            return Received(unreadable=True)
        extension = clean_mime.split("/")[1].replace("jpeg", "jpg")
        return Received(EvidenceFile(kind, f"{kind}.{extension}", clean_mime, clean))
    return Received(EvidenceFile(kind, f"{kind}.{safe_extension(name)}", mime, data))


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
