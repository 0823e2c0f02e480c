"""The fields of a form (handlers.forms): what each kind of field accepts, the message when it is
not that, and how a value reads back in the summary. A "documents" field takes files: each is checked
by its name and size when sent (handlers.files), and by its content in a worker process on confirming
(receive_documents), as a reporter's evidence is."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError

from core.figures import Column, parse_value
from core.liaisons import parse_qq
from core.media import DOWNLOAD_LIMIT
from core.money import format_yuan, parse_yuan
from core.parsing import normalize_phone, parse_count, parse_day, parse_tip_number
from core.taxonomy import Term
from handlers.context import Context
from handlers.files import attachment, content_refusal, fetch, refusal_text
from handlers.i18n import N_, Translate, join

log = logging.getLogger("tipline.forms")
Values = dict[str, object]
#: A document as the form keeps it until confirming: its file id to fetch it then, never its bytes.
Listed = dict[str, str]
#: Text shown above a field's question, computed from the answers so far (a suggested amount…).
Intro = Callable[[Context, str, Values, Translate], Awaitable[str]]


@dataclass(frozen=True)
class Field:
    key: str
    prompt: str  # msgid
    #: "text", "choice", "multi", "money", "count", "days", "date", "tip", "phone", "qq", "documents", "figure"
    kind: str
    options: tuple[Term, ...] = ()
    when: Callable[[Values], bool] = lambda values: True
    at_least: int = 0  # for "multi": how many to choose
    max_len: int = 1500
    min_len: int = 2
    intro: Intro | None = None
    zero: bool = False  # for "money": whether 0 is an answer
    optional: bool = False  # a "Skip" button leaves it empty
    skip: str = N_("Skip")  # that button's label
    at_most: int = 10  # for "documents": how many files one answer takes
    full: str = N_("That is the most documents one answer can take ({count}).")  # for "documents"
    column: Column | None = None  # for "figure": the template's line (a count, or money in 10,000 yuan)


def value_text(item: Field, value: object, lang: str, _: Translate) -> str:
    if value == "" and item.optional:
        return _("(skipped)")
    if item.kind == "choice":
        return next(t.label(lang) for t in item.options if t.code == value)
    if item.kind == "multi":
        return join((t.label(lang) for t in item.options if t.code in value), lang) or _("none")
    if item.kind == "money":
        return format_yuan(int(value))
    if item.kind == "documents":
        return join((d["name"] for d in value), lang) or _("none")
    return str(value)


def figure_field(column: Column) -> Field:
    """A line of the monthly figures' template as a field (handlers.liaison.figures asks them one by one)."""
    return Field(column.code, column.code, "figure", column=column)


def figure_problem(column: Column, answer: str, lang: str, _: Translate) -> str:
    """What is wrong with what was typed for a line of the figures, and what to type instead."""
    name = column.label(lang)
    if answer.strip().startswith(("-", "－", "负")):
        return _("{name}: cannot be negative. Please type 0 or more.").format(name=name)
    if not answer.strip():
        return _("{name}: the line is missing. Please add it.").format(name=name)
    if column.kind == "money":
        return _(
            "{name}: “{answer}” is not an amount in units of 10,000 yuan. Type it like 1.25 (at most 4 decimals)."
        ).format(name=name, answer=answer[:40])
    return _("{name}: “{answer}” is not a whole number. Type it like 12.").format(name=name, answer=answer[:40])


#: The answer to a phone number that is not one (core.parsing.normalize_phone), wherever one is typed.
_NOT_A_PHONE = N_(
    "That is not a phone number. Please type a mobile number of 11 digits, like 13800138000, or a landline "
    "with its area code, like 0730-5172110 (an extension after it: 0730-5172110-801)."
)
#: The kinds of field read by one parser: (the parser, what to type instead when it reads nothing).
_READ: dict[str, tuple[Callable[[str], object | None], str]] = {
    "count": (parse_count, N_("Please type a whole number, 0 or more.")),
    "phone": (normalize_phone, _NOT_A_PHONE),
    "qq": (parse_qq, N_("A QQ number is 5 to 12 digits. Please type it again, or tap “Skip”.")),
    "tip": (parse_tip_number, N_("That is not a tip number. It looks like JB2026-000123.")),
}


def phone_problem(_: Translate) -> str:
    """The answer to a phone number that is not one, wherever one is typed."""
    return _(_NOT_A_PHONE)


async def check_typed(item: Field, text: str, context: Context, _: Translate) -> tuple[object, str | None]:
    text = text.strip()
    if item.kind in _READ:
        read, wrong = _READ[item.kind]
        value = read(text)
        return (value, None) if value is not None else (None, _(wrong))
    if item.kind == "money":
        fen = parse_yuan(text)
        if fen is None or (fen == 0 and not item.zero):
            return None, _("That is not an amount. Please type it in yuan, for example 80000, 80,000.50 or 8万.")
        return fen, None
    if item.kind == "date":
        day = parse_day(text, context.today)
        if day is None:
            return None, _("Please type a date like 2026-11-23, or “today”, not in the future.")
        return day.isoformat(), None
    if item.kind == "days":
        days = parse_count(text)
        maximum = context.services.office.deadlines.extension_max_days
        if days is None or not 1 <= days <= maximum:
            return None, _("Please type a number of days from 1 to {maximum}.").format(maximum=maximum)
        return days, None
    if item.kind == "figure":
        value = parse_value(item.column, text)
        return (value, None) if value is not None else (None, figure_problem(item.column, text, context.lang, _))
    if len(text) < item.min_len:
        return None, _("Please write a little more.")
    if len(text) > item.max_len:
        return None, _("That is {length} characters; please keep it under {limit}.").format(
            length=len(text), limit=item.max_len
        )
    return text, None


def check_file(item: Field, update: Update, count: int, _: Translate) -> tuple[Listed | None, str | None]:
    """A file sent for a documents field that holds `count`: (the document to keep, None) or (None,
    why not). By its name and declared size only: the content is checked on confirming."""
    if count >= item.at_most:
        return None, _(item.full).format(count=item.at_most)
    file_id, name, mime, size = attachment(update)
    if size is not None and size > DOWNLOAD_LIMIT:
        return None, _("This file is larger than 20 MB, which the bot cannot receive. Please send a smaller copy.")
    refused = refusal_text(_, name)
    if refused is not None:
        return None, refused
    return {"name": name[:100], "mime": mime, "file_id": file_id}, None


async def receive_documents(
    context: Context, chat: int, listed: list[Listed], _: Translate
) -> tuple[list[tuple[str, str, bytes]], str | None]:
    """Fetch the documents and check each one's content in a worker process, off the event loop (a
    program or macros behind a harmless name): ([(name, MIME type, bytes)…], None) or ([], why not)."""
    documents = []
    for item in listed:
        try:
            body = await fetch(context, item["file_id"])
        except TelegramError as exc:
            log.warning("a document could not be fetched: %s", type(exc).__name__)
            body = None
        if body is None:
            return [], _("A document could not be fetched from Telegram. Please send the documents again.")
        documents.append((item["name"], item["mime"], body))
    for name, _mime, body in documents:
        refused = await content_refusal(_, name, body, chat)
        if refused is not None:
            return [], refused + "\n" + _("Please send the documents again.")
    return documents, None
