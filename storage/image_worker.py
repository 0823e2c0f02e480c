"""Cleaning an image in a worker process, bounded in time and memory, so one file never stalls the bot.

Each image is decoded and re-encoded (core.media.strip_image_metadata) by a fresh Python process
that first limits its own address space (`MEMORY_BYTES`) and CPU time; the bot waits for it at most
`SECONDS` and kills it then. A process of its own per image (about 60 ms to start) rather than a
pool: a decode that runs over is killed alone, without failing other chats' images in the same
pool. At most `WORKERS` run at once, so a burst of files cannot take all the server's memory.

It lives in storage/, the layer that touches the machine (the database, the key ring file, and
these processes), rather than in core/, which does no I/O: the worker itself runs core code alone
(core.media), without telegram or the database (storage/__init__ imports nothing).

The protocol: the image's bytes on stdin; on stdout one line (`ok <mime>`, `oversized`, or
`unreadable`) and, after `ok`, the cleaned bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sys
import weakref
from pathlib import Path

from core.media import OversizedImage, UnreadableImage, check_size, strip_image_metadata

#: Seconds a worker may take for one image (a 40-megapixel photo takes about one).
SECONDS = 20.0
#: The worker's address space, in bytes: a 40-megapixel image and its copies fit well within.
MEMORY_BYTES = 1536 * 1024 * 1024
#: Workers running at once, for the whole bot.
WORKERS = 2

_ROOT = Path(__file__).resolve().parent.parent
#: One semaphore per event loop (the bot has one; tests have one each).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def clean_image(data: bytes) -> tuple[bytes, str]:
    """The image re-encoded from its pixels alone, and its MIME type; OversizedImage or UnreadableImage.

    The header is checked here first (no pixel decoded), so a decompression bomb costs no worker."""
    check_size(data)
    slots = _slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(WORKERS))
    async with slots:
        status, body = await run_worker(data)
    if status.startswith("ok "):
        return body, status.removeprefix("ok ")
    if status == "oversized":
        raise OversizedImage("pixels")
    raise UnreadableImage(status)


async def run_worker(data: bytes) -> tuple[str, bytes]:
    """(status line, cleaned bytes) from a fresh worker process; ("timeout", b"") when it ran over."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.image_worker", str(MEMORY_BYTES), str(int(SECONDS) + 1),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=_ROOT,
    )  # fmt: skip
    try:
        out, _err = await asyncio.wait_for(process.communicate(data), SECONDS)
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
    """The worker: limit itself (address space in bytes, CPU seconds: its arguments), read the image,
    write the status line and the cleaned image."""
    _limit_self(int(sys.argv[1]), int(sys.argv[2]))
    data = sys.stdin.buffer.read()
    try:
        clean, mime = strip_image_metadata(data)
    except OversizedImage:
        sys.stdout.buffer.write(b"oversized\n")
    except (UnreadableImage, MemoryError):
        sys.stdout.buffer.write(b"unreadable\n")
    else:
        sys.stdout.buffer.write(f"ok {mime}\n".encode("ascii") + clean)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
