"""Evidence files: what may be kept, and images without the metadata that could identify a reporter.

Pillow re-encodes an image from its pixels only, so EXIF (GPS position, camera serial number,
owner name, time taken), XMP, IPTC and text chunks are all left behind. The orientation is applied
to the pixels first, so the photo still stands the right way up.

A hostile file must not take the bot down: a 17 KB PNG can claim 20,000 × 20,000 pixels and cost a
gigabyte to decode. So an image is opened only with the formats below (never EPS, which Pillow
hands to Ghostscript), its size is read from the header before any pixel is decoded and refused
above `MAX_PIXELS`, and Pillow's DecompressionBombWarning is an error. The decoding itself runs in
a worker process bounded in time and memory (storage.image_worker).
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import (
    BmpImagePlugin,  # noqa: F401 - the plugins of FORMATS, registered by their import; no other is loaded
    GifImagePlugin,  # noqa: F401
    Image,
    ImageOps,
    JpegImagePlugin,  # noqa: F401
    MpoImagePlugin,  # noqa: F401 - JPEG's opener returns multi-picture files with it
    PngImagePlugin,  # noqa: F401
    TiffImagePlugin,  # noqa: F401
    UnidentifiedImageError,
    WebPImagePlugin,  # noqa: F401
)

#: The Bot API lets bots download files up to this size.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
#: The most pixels an image may have (40 megapixels: a phone's photo has 12 to 50; a 50 MP one is
#: refused, to be sent as a photo, which Telegram scales down).
MAX_PIXELS = 40_000_000
#: Image formats we open and re-encode; the value is the format written back. Only these are ever tried.
_REENCODE = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "TIFF": "PNG", "BMP": "PNG", "GIF": "PNG"}
FORMATS = tuple(f for f in _REENCODE if f != "MPO")  # a multi-picture JPEG is opened as JPEG
IMAGE_MIME_TYPES = {"image/jpeg", "image/png", "image/webp", "image/tiff", "image/bmp", "image/gif"}
# Pillow's own guard, at the same budget: it warns above it (an error here) and refuses above twice it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_PILLOW_ERRORS = (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning,
                  SyntaxError, ValueError, MemoryError, EOFError)  # fmt: skip


class UnreadableImage(ValueError):
    """The bytes are not an image we can decode (or the decoding ran out of time or memory)."""


class OversizedImage(UnreadableImage):
    """The image has more pixels than `MAX_PIXELS`: refused before decoding."""


def _open(data: bytes) -> Image.Image:
    """The image, lazily: only its header is read. Raises what Pillow raises."""
    return Image.open(io.BytesIO(data), formats=FORMATS)


_PNG = b"\x89PNG\r\n\x1a\n"
#: The most chunks a PNG may have before its image data.
MAX_PNG_CHUNKS = 1_000


def check_png_header(data: bytes) -> int | None:
    """For a PNG, its pixels, from fixed offsets (no chunk is walked): UnreadableImage when its IHDR
    is not its first chunk, OversizedImage when IHDR claims more than `MAX_PIXELS`. None for other bytes."""
    if not data.startswith(_PNG):
        return None
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise UnreadableImage("IHDR")
    width, height = struct.unpack_from(">II", data, 16)
    if width * height > MAX_PIXELS:
        raise OversizedImage("pixels")
    _count_png_chunks(data)
    return width * height


def _count_png_chunks(data: bytes) -> None:
    """UnreadableImage when more than `MAX_PNG_CHUNKS` chunks come before the image data (a phone's
    PNG has a handful; millions of empty ones would have Pillow walk them for seconds)."""
    at = 8
    for _ in range(MAX_PNG_CHUNKS):
        if at + 8 > len(data) or data[at + 4 : at + 8] == b"IDAT":
            return
        at += 12 + int.from_bytes(data[at : at + 4], "big")
    raise UnreadableImage("chunks")


def check_size(data: bytes) -> int:
    """The image's pixels; raise OversizedImage when the header claims more than `MAX_PIXELS`,
    UnreadableImage when it is no image of `FORMATS`. Reads the header only: no pixel is decoded."""
    if (pixels := check_png_header(data)) is not None:
        return pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(data) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise OversizedImage("pixels") from None
    except _PILLOW_ERRORS as exc:
        raise UnreadableImage(type(exc).__name__) from None
    if width * height > MAX_PIXELS:
        raise OversizedImage("pixels")
    return width * height


def strip_image_metadata(data: bytes) -> tuple[bytes, str]:
    """The image re-encoded from its pixels alone, and its MIME type (in this process: see storage.image_worker)."""
    check_size(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(data) as image:
                source_format = image.format or ""
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise OversizedImage("pixels") from None
    except _PILLOW_ERRORS as exc:
        raise UnreadableImage(type(exc).__name__) from None
    target = _REENCODE.get(source_format, "PNG")
    if upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA")
    if target == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    # A new image holding only the pixels: nothing of the original's info dict can follow it.
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    options = {"quality": 90} if target in ("JPEG", "WEBP") else {}
    clean.save(out, format=target, **options)
    return out.getvalue(), f"image/{target.lower()}"


def is_image(mime_type: str | None) -> bool:
    return (mime_type or "").lower() in IMAGE_MIME_TYPES


def looks_like_image(data: bytes) -> bool:
    """Whether the bytes begin as an image of `FORMATS`, whatever name or type the sender gave (a
    too-large one too, so that it is refused as such). Reads the header only."""
    if data.startswith(_PNG):
        return True  # whatever its chunks: refused as a picture when they are wrong
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with _open(data) as image:
                return bool(image.format)
    except Image.DecompressionBombError:
        return True
    except _PILLOW_ERRORS:
        return False


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def is_uncleanable_image(data: bytes, mime_type: str | None) -> bool:
    """HEIC/HEIF/AVIF photos (iPhones' default) carry EXIF that we cannot strip without extra codecs."""
    if (mime_type or "").lower() in ("image/heic", "image/heif", "image/avif"):
        return True
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS
