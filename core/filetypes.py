"""Which evidence files staff may receive as they are: an allow-list, decided by name and by content.

The enterprise being reported can send the office a file too. A program, script, shortcut or web
page opened on an office PC could take it over, and from there the reporters' data. So:

- types on the allow-list (PDF, common videos, office documents without macros, plain text) reach
  staff with their extension, when their first bytes are what that extension promises;
- active content (programs, scripts, shortcuts, web pages, SVG, disk images) and macro-enabled
  office files are refused, whatever their name: a ZIP-based office file holding `vbaProject.bin`,
  or an old binary one holding a VBA storage, is macro-enabled under any name;
- anything else is kept but reaches staff as `.bin`, with a warning in the caption.

Images never come here: they are re-encoded from their pixels (core.media) and get the extension
of the format written. Pure functions; the file's bytes are read, never run or unpacked.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from enum import Enum

#: Extensions staff receive as they are, with how the content must begin (checked by `_matches`).
ALLOWED = {
    "pdf": "pdf",
    "mp4": "mp4", "m4v": "mp4", "mov": "mp4", "3gp": "mp4",
    "docx": "ooxml", "xlsx": "ooxml", "pptx": "ooxml",
    "doc": "ole", "xls": "ole", "ppt": "ole",
    "txt": "text",
    # Pictures reach this check only as the bot re-encoded them (core.media), when they go to staff.
    "jpg": "jpeg", "png": "png", "webp": "webp",
}  # fmt: skip
#: Office formats that carry macros by design.
MACRO = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "ppsm", "sldm"})
#: Programs, scripts, shortcuts, installers, web pages and disk images: whatever Windows would run or render.
ACTIVE = frozenset({
    "exe", "com", "scr", "pif", "cpl", "dll", "sys", "msi", "msp", "msc", "bat", "cmd", "ps1", "psm1", "vbs",
    "vbe", "js", "jse", "wsf", "wsh", "hta", "lnk", "url", "inf", "reg", "scf", "jar", "svg", "svgz", "html",
    "htm", "xhtml", "mht", "mhtml", "shtml", "chm", "iso", "img", "vhd", "vhdx", "appx", "msix", "application",
    "gadget", "apk", "sh", "library-ms", "settingcontent-ms", "ps", "eps", "ai",
})  # fmt: skip
#: Content that is active whatever the name says: (offset, magic bytes).
_ACTIVE_MAGIC = (
    (0, b"MZ"),  # Windows programs and DLLs
    (0, b"\x7fELF"),  # Linux programs
    (0, b"L\x00\x00\x00\x01\x14\x02\x00"),  # Windows shortcuts (.lnk)
    (0, b"#!"),  # scripts
    (0x8001, b"CD001"),  # ISO disk images
    (0, b"%!PS"),  # PostScript and EPS: programs for a printer or Ghostscript
)
#: Lower-cased beginnings of web pages, SVG and scripts a browser or Windows would run (after a BOM and blanks).
_ACTIVE_TEXT = (b"<!doctype html", b"<html", b"<svg", b"<script", b"<hta:", b"<head", b"<body")
#: Inside an XML file, what makes it a web page or a picture with scripts.
_ACTIVE_XML = (b"<svg", b"<html", b"<script", b"<hta:")
_IMAGE_MAGIC = {"jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n", "webp": b"RIFF"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Names of the VBA storage inside old binary office files, as their directory holds them (UTF-16).
_OLE_MACRO_NAMES = tuple(name.encode("utf-16-le") for name in ("_VBA_PROJECT", "VBA", "Macros"))


class Verdict(Enum):
    ALLOWED = "allowed"
    #: Refused: a program, script, shortcut, web page or disk image.
    ACTIVE = "active"
    #: Refused: an office file with macros.
    MACRO = "macro"
    #: Kept, but sent to staff as .bin with a warning.
    UNKNOWN = "unknown"

    @property
    def refused(self) -> bool:
        return self in (Verdict.ACTIVE, Verdict.MACRO)


@dataclass(frozen=True)
class FileType:
    verdict: Verdict
    #: The extension staff receive the file with: the sender's for an allowed type, else "bin".
    extension: str


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip().lower() if "." in name else ""


def classify(name: str, data: bytes) -> FileType:
    """What a file named `name` with these bytes gets: refused, sent as it is, or sent as .bin."""
    ext = extension_of(name)
    if ext in ACTIVE or _looks_active(data):
        return FileType(Verdict.ACTIVE, "bin")
    if ext in MACRO or _has_macros(data):
        return FileType(Verdict.MACRO, "bin")
    if ext in ALLOWED and _matches(ALLOWED[ext], data):
        return FileType(Verdict.ALLOWED, ext)
    return FileType(Verdict.UNKNOWN, "bin")


def _looks_active(data: bytes) -> bool:
    if any(data[offset : offset + len(magic)] == magic for offset, magic in _ACTIVE_MAGIC):
        return True
    head = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    if head.startswith(_ACTIVE_TEXT) or (head.startswith(b"<?xml") and any(m in head for m in _ACTIVE_XML)):
        return True
    return "META-INF/MANIFEST.MF" in (_zip_names(data) or ())  # a Java program


def _has_macros(data: bytes) -> bool:
    names = _zip_names(data)
    if names is not None:
        return any(n.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for n in names)
    return data.startswith(_OLE) and any(marker in data for marker in _OLE_MACRO_NAMES)


def _zip_names(data: bytes) -> list[str] | None:
    """The member names of a ZIP (its central directory only: nothing is unpacked), or None."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _matches(kind: str, data: bytes) -> bool:
    """Whether the content begins as files of `kind` do."""
    if kind == "pdf":
        return b"%PDF-" in data[:1024]
    if kind == "mp4":
        return data[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
    if kind == "ooxml":
        names = _zip_names(data)
        return names is not None and "[Content_Types].xml" in names
    if kind == "ole":
        return data.startswith(_OLE)
    if kind == "text":
        return _is_text(data)
    if kind in _IMAGE_MAGIC:
        return data.startswith(_IMAGE_MAGIC[kind]) and (kind != "webp" or data[8:12] == b"WEBP")
    return False


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False
