"""Test images carrying the metadata a reporter's phone would leave in them."""

from __future__ import annotations

import io

from PIL import Image

SERIAL = "SN-7731-REPORTER-CAM"
OWNER = "Zhang Wei"
TAKEN = "2026:11:20 21:14:03"


def photo_with_exif(colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (96, 64)) -> bytes:
    """A JPEG with GPS position, camera serial number, owner name and time taken."""
    image = Image.new("RGB", size, colour)
    for x in range(size[0]):  # some structure, so the pixel data is distinctive
        image.putpixel((x, x % size[1]), (x * 2 % 256, 255 - x % 256, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = OWNER  # Artist
    exif[0x0132] = TAKEN  # DateTime
    exif[0xA431] = SERIAL  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 1.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {**dict(exif), **dict(exif.get_ifd(0x8825))}
