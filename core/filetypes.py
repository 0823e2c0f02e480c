"""Which evidence files staff may receive as they are: an allow-list, decided by name and by content.

The enterprise being reported can send the office a file too. A program, script, shortcut or web
page opened on an office PC could take it over, and from there the reporters' data. So:

- types on the allow-list (PDF, common videos, office documents without macros, plain text) reach
  staff with their extension, when their bytes are what that extension promises (a PDF begins
  with `%PDF-`);
- active content (programs, scripts, shortcuts, web pages, SVG, disk images; web markup anywhere in
  a text file's first 4 KB) and macro-enabled office files are refused, whatever their name: a
  ZIP-based office file declaring a macro-enabled content type, holding a VBA project, Excel 4.0
  macro sheets, ActiveX controls, embedded OLE objects (`embeddings/*.bin`) or a template fetched
  from elsewhere (`attachedTemplate` with `TargetMode="External"`), or an old binary one holding
  a VBA storage, is macro-enabled under any name;
- anything else is kept but reaches staff as `.bin`, with a warning in the caption: among them old
  binary office files (.doc, .xls, .ppt: their Excel 4.0 macros need no VBA storage), office files
  linking to anything outside them (`TargetMode="External"`), and ZIPs of more than `MAX_ENTRIES`
  entries or a directory over `MAX_DIRECTORY` bytes (never parsed).

Images never come here: they are re-encoded from their pixels (core.media) and get the extension
of the format written. Pure functions; the file's bytes are read, never run or unpacked (a ZIP's
directory is parsed once, and only its small `[Content_Types].xml` and `.rels` parts are read,
each up to `MAX_PART` bytes).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from enum import Enum

#: Extensions staff receive as they are, with how the content must begin (checked by `_matches`).
ALLOWED = {
    "pdf": "pdf",
    "mp4": "mp4", "m4v": "mp4", "mov": "mp4", "3gp": "mp4",
    "docx": "ooxml", "xlsx": "ooxml", "pptx": "ooxml",
    "txt": "text",
    # Pictures reach this check only as the bot re-encoded them (core.media), when they go to staff.
    "jpg": "jpeg", "png": "png", "webp": "webp",
}  # fmt: skip
#: A ZIP of more entries than this, or a central directory of more bytes, is not parsed: it goes as .bin.
MAX_ENTRIES = 5_000
MAX_DIRECTORY = 1_000_000
#: The most bytes read (decompressed) of one part of an office file, and of all of them together.
MAX_PART = 256 * 1024
_MAX_PARTS = 2 * 1024 * 1024
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
#: Lower-cased web markup a browser or Windows would run, looked for anywhere in a text file's first 4 KB.
_ACTIVE_TEXT = (b"<!doctype html", b"<html", b"<svg", b"<script", b"<hta:", b"<head", b"<body", b"<iframe",
                b"<object", b"<embed", b"<meta http-equiv")  # fmt: skip
#: Content types (lower-cased) that declare macros or ActiveX controls in `[Content_Types].xml`.
_MACRO_TYPES = (b"macroenabled", b"vbaproject", b"ms-excel.intl.macrosheet", b"ms-excel.macrosheet", b"activex")
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
    archive = _archive(data)
    if ext in ACTIVE or _looks_active(data) or (archive is not None and archive.java):
        return FileType(Verdict.ACTIVE, "bin")
    if ext in MACRO or (archive is not None and archive.macros) or _ole_macros(data):
        return FileType(Verdict.MACRO, "bin")
    if ext in ALLOWED and _matches(ALLOWED[ext], data, archive):
        return FileType(Verdict.ALLOWED, ext)
    return FileType(Verdict.UNKNOWN, "bin")


def _looks_active(data: bytes) -> bool:
    if any(data[offset : offset + len(magic)] == magic for offset, magic in _ACTIVE_MAGIC):
        return True
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: a browser reads it too
        head = data[:8192].decode("utf-16", "ignore").encode("utf-8", "ignore")
    if b"\x00" in head:  # not text: programs are recognised by their magic above
        return False
    head = head.lower()
    return any(marker in head for marker in _ACTIVE_TEXT)


def _ole_macros(data: bytes) -> bool:
    return data.startswith(_OLE) and any(marker in data for marker in _OLE_MACRO_NAMES)


@dataclass(frozen=True)
class _Archive:
    """What a ZIP's directory and small parts tell. `parsed` is False for one too large to parse."""

    names: frozenset[str] = frozenset()
    parsed: bool = False
    java: bool = False
    macros: bool = False
    #: Some part links to something outside the file (a web address, a share): opened, Office fetches it.
    external: bool = False


#: Relationships that fetch and run something from outside the file when it is opened.
_REMOTE_ACTIVE = re.compile(rb'type="[^"]*/(attachedtemplate|oleobject|subdocument|frame)"')
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError, NotImplementedError)


def _archive(data: bytes) -> _Archive | None:
    """The ZIP's member names and what its parts declare (its central directory is parsed once,
    and only when small: nothing is unpacked but `[Content_Types].xml` and the `.rels` parts), or None."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    if not _directory_small(data):
        return _Archive()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                return _Archive()
            names = frozenset(info.filename for info in infos)
            macros, external = _inspect_parts(archive, infos)
    except _ZIP_ERRORS:
        return None
    lower = ["/" + name.lower() for name in names]
    macros = macros or any(
        n.endswith("/vbaproject.bin") or "/macrosheets/" in n or "/activex/" in n
        or ("/embeddings/" in n and n.endswith(".bin")) for n in lower
    )  # fmt: skip
    return _Archive(names, True, "META-INF/MANIFEST.MF" in names, macros, external)


def _directory_small(data: bytes) -> bool:
    """Whether the ZIP's end record declares at most MAX_ENTRIES entries in at most MAX_DIRECTORY bytes
    (read from the end record alone: a larger directory is never parsed)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or len(data) < at + 22:
        return True  # no end record: zipfile refuses it as no ZIP
    _sig, _disk, _cd_disk, _here, entries, size, _offset, _comment = struct.unpack_from("<4s4H2LH", data, at)
    return entries <= MAX_ENTRIES and size <= MAX_DIRECTORY


def _inspect_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> tuple[bool, bool]:
    """(macros, external) from `[Content_Types].xml` and the `.rels` parts, each read up to MAX_PART bytes."""
    macros = external = False
    budget = _MAX_PARTS
    for info in infos:
        lower = info.filename.lower()
        if lower != "[content_types].xml" and not lower.endswith(".rels"):
            continue
        if budget <= 0:
            return macros, True  # parts left unread: not vouched for
        with archive.open(info) as part:
            text = part.read(min(MAX_PART, budget)).lower()
        budget -= len(text)
        if lower == "[content_types].xml":
            macros = macros or any(kind in text for kind in _MACRO_TYPES)
            continue
        for element in (piece.split(b">", 1)[0] for piece in text.split(b"<relationship")[1:]):  # linear
            if b'targetmode="external"' in element:
                external = True
                macros = macros or _REMOTE_ACTIVE.search(element) is not None
    return macros, external


def _matches(kind: str, data: bytes, archive: _Archive | None) -> bool:
    """Whether the content is what files of `kind` are."""
    if kind == "pdf":
        return data.startswith(b"%PDF-")
    if kind == "mp4":
        return data[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
    if kind == "ooxml":
        return (
            archive is not None and archive.parsed and not archive.external and "[Content_Types].xml" in archive.names
        )
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
