"""Evidence files: what may be kept, and images without the metadata that could identify a reporter.

Pillow re-encodes an image from its pixels only, so EXIF (GPS position, camera serial number,
owner name, time taken), XMP, IPTC and text chunks are all left behind. The orientation is applied
to the pixels first, so the photo still stands the right way up.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

#: The Bot API lets bots download files up to this size.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
#: Image formats we re-encode; the value is the format written back.
_REENCODE = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "TIFF": "PNG", "BMP": "PNG", "GIF": "PNG"}
IMAGE_MIME_TYPES = {"image/jpeg", "image/png", "image/webp", "image/tiff", "image/bmp", "image/gif"}
# A decompression bomb must not take the bot down: refuse images above ~80 megapixels.
Image.MAX_IMAGE_PIXELS = 80_000_000


class UnreadableImage(ValueError):
    """The bytes are not an image Pillow can decode."""


def strip_image_metadata(data: bytes) -> tuple[bytes, str]:
    """The image re-encoded from its pixels alone, and its MIME type."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            source_format = image.format or ""
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
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
    """Whether Pillow recognises the bytes as an image, whatever name or type the sender gave."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(image.format)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        return False


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def is_uncleanable_image(data: bytes, mime_type: str | None) -> bool:
    """HEIC/HEIF/AVIF photos (iPhones' default) carry EXIF that we cannot strip without extra codecs."""
    if (mime_type or "").lower() in ("image/heic", "image/heif", "image/avif"):
        return True
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def safe_extension(name: str) -> str:
    """The extension of a file name, if it is short and plain; the name itself is not kept (it can hold a date)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if 1 <= len(ext) <= 5 and ext.isalnum() and ext.isascii() else "bin"
