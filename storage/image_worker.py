"""Checking a received file in a worker process, bounded in time and memory, so one file never stalls the bot.

Everything that reads a file's content runs here, off the bot's event loop: an image is decoded and
re-encoded (core.media.strip_image_metadata), any other file is sniffed (core.media.looks_like_image,
then core.filetypes.classify). Each file goes to a fresh Python process that first limits its own
address space (`MEMORY_BYTES`) and CPU time; the bot waits for it at most `SECONDS` and kills it
then. A process of its own per file (about 60 ms to start) rather than a pool: a check that runs
over is killed alone, without failing other chats' files in the same pool. At most `WORKERS` run
at once, so a burst of files cannot take all the server's memory, and at most one per chat: a
chat's files queue behind its own, and two chats never hold every worker while a third waits
behind more than one file of theirs. Only a PNG's header is read in the bot (at fixed offsets, in
constant time: a decompression bomb costs no worker).

It lives in storage/, the layer that touches the machine (the database, the key ring file, and
these processes), rather than in core/, which does no I/O: the worker itself runs core code alone
(core.media, core.filetypes), without telegram or the database (storage/__init__ imports nothing).

The protocol: on stdin one JSON line (`{"name": ..., "image": bool}`: the sender's file name and
whether it must be an image) and the file's bytes; on stdout one line: `ok <mime> <pixels>` and the
cleaned image after it, `file <verdict> <extension>` (a file that is no image), `oversized`, or
`unreadable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from core.filetypes import FileType, Verdict, classify
from core.media import (
    OversizedImage,
    UnreadableImage,
    check_png_header,
    check_size,
    looks_like_image,
    strip_image_metadata,
)

#: Seconds a worker may take for one file (a 40-megapixel photo takes about one).
SECONDS = 20.0
#: The worker's address space, in bytes: a 40-megapixel image and its copies fit well within.
MEMORY_BYTES = 1536 * 1024 * 1024
#: Workers running at once, for the whole bot (and one at most for each chat).
WORKERS = 2

_ROOT = Path(__file__).resolve().parent.parent
#: One semaphore per event loop (the bot has one; tests have one each).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()
#: Per event loop: chat id -> [its lock, files of it waiting or checked]; a chat leaves with its last file.
_chats: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, list]] = weakref.WeakKeyDictionary()


class UncheckedFile(Exception):
    """A file that is no image could not be checked in time (or its worker failed)."""


@dataclass(frozen=True)
class Examined:
    """What a worker found: a cleaned image (`image`: bytes and MIME type, with its `pixels`), or the
    type of a file that is no image (`filetype`)."""

    image: tuple[bytes, str] | None = None
    pixels: int = 0
    filetype: FileType | None = None


async def clean_image(data: bytes, chat: int | None = None) -> tuple[bytes, str]:
    """The image re-encoded from its pixels alone, and its MIME type; OversizedImage or UnreadableImage."""
    examined = await examine("", data, image=True, chat=chat)
    return examined.image


async def examine(name: str, data: bytes, *, image: bool, chat: int | None = None) -> Examined:
    """Check a file in a worker: an image (`image`, or bytes that are one) is cleaned, anything else
    classified. OversizedImage or UnreadableImage for an image; UncheckedFile for another file whose
    check ran over. A PNG's header is checked here first (no chunk walked), so a bomb costs no worker."""
    check_png_header(data)
    request = json.dumps({"name": name, "image": image}, ensure_ascii=True)
    async with _one_per_chat(chat), _slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(WORKERS)):
        status, body = await run_worker(data, request)
    verb, _, rest = status.partition(" ")
    if verb == "ok":
        mime, _, pixels = rest.partition(" ")
        return Examined(image=(body, mime), pixels=int(pixels or 0))
    if verb == "file":
        verdict, _, extension = rest.partition(" ")
        return Examined(filetype=FileType(Verdict(verdict), extension))
    if verb == "oversized":
        raise OversizedImage("pixels")
    if image or verb == "unreadable":
        raise UnreadableImage(status)
    raise UncheckedFile(status)


@contextlib.asynccontextmanager
async def _one_per_chat(chat: int | None) -> AsyncIterator[None]:
    """Hold the chat's one worker slot (nothing for `chat` None)."""
    if chat is None:
        yield
        return
    chats = _chats.setdefault(asyncio.get_running_loop(), {})
    entry = chats.setdefault(chat, [asyncio.Lock(), 0])
    entry[1] += 1
    try:
        async with entry[0]:
            yield
    finally:
        entry[1] -= 1
        if entry[1] == 0:
            chats.pop(chat, None)


async def run_worker(data: bytes, request: str = '{"name": "", "image": true}') -> tuple[str, bytes]:
    """(status line, cleaned bytes) from a fresh worker process; ("timeout", b"") when it ran over."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.image_worker", str(MEMORY_BYTES), str(int(SECONDS) + 1),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=_ROOT,
    )  # fmt: skip
    try:
        out, _err = await asyncio.wait_for(process.communicate(request.encode("ascii") + b"\n" + data), SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return "timeout", b""
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    line, _, body = out.partition(b"\n")
    status = line.decode("ascii", "replace") if process.returncode == 0 else f"exit {process.returncode}"
    return status, body


def _limit_self(memory: int, seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))


def main() -> None:
    """The worker: limit itself (address space in bytes, CPU seconds: its arguments), read the request
    and the file, write the status line (and the cleaned image)."""
    _limit_self(int(sys.argv[1]), int(sys.argv[2]))
    request = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(_check(request["name"], data, bool(request["image"])))
    sys.stdout.buffer.flush()


def _check(name: str, data: bytes, image: bool) -> bytes:
    try:
        if image or looks_like_image(data):
            clean, mime = strip_image_metadata(data)  # its header is checked first (core.media.check_size)
            pixels = check_size(clean)  # what was decoded: the cleaned copy's header, in a format we wrote
            return f"ok {mime} {pixels}\n".encode("ascii") + clean
        filetype = classify(name, data)
    except OversizedImage:
        return b"oversized\n"
    except (UnreadableImage, MemoryError):
        return b"unreadable\n"
    return f"file {filetype.verdict.value} {filetype.extension}\n".encode("ascii")


if __name__ == "__main__":
    main()
