"""Hostile files an enterprise being reported could send the office: built here, byte by byte."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

#: A real EPS header: Pillow would identify it and hand its decoding to Ghostscript.
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\nshowpage\n"
#: The start of a Windows program.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
#: A Windows shortcut's header.
LNK = b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + b"\x00" * 56
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTA = b'<html><head><hta:application id="x"/></head><body><script>new ActiveXObject("WScript.Shell")</script>'
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG of a few KB claiming width × height RGB pixels, with an IDAT of zeros: decoding it would
    take width × height × 3 bytes (1.2 GB for the default) before finding that the data ends early."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    zeros = zlib.compress(b"\0" * 4_000_000, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zeros) + _chunk(b"IEND", b"")


def office_zip(kind: str = "word", *, macros: bool = False, types: str = "", parts: dict | None = None) -> bytes:
    """A minimal Office Open XML file (docx, xlsx, pptx by `kind`), with a VBA project if `macros`,
    `types` inside its `[Content_Types].xml` and more `parts` (name -> text or bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types>{types}</Types>')
        archive.writestr(f"{kind}/document.xml", '<?xml version="1.0"?><document/>')
        if macros:
            archive.writestr(f"{kind}/vbaProject.bin", OLE + b"\x00" * 32)
        for name, body in (parts or {}).items():
            archive.writestr(name, body)
    return out.getvalue()


def relationship(kind: str, target: str, external: bool) -> str:
    """A `.rels` part with one relationship of `kind` (attachedTemplate, hyperlink...) to `target`."""
    mode = ' TargetMode="External"' if external else ""
    return ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}"'
            f' Target="{target}"{mode}/></Relationships>')  # fmt: skip


def crowded_zip(entries: int) -> bytes:
    """A ZIP named like a .docx with `entries` empty members (written byte by byte: zipfile would take
    seconds): parsing its directory three times took the bot seconds."""
    local, central, offset = [], [], 0
    for i in range(entries):
        name = f"word/{i:06x}.xml".encode()
        head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0,
                                   0, offset) + name)  # fmt: skip
        local.append(head)
        offset += len(head)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries & 0xFFFF, entries & 0xFFFF, len(directory), offset, 0)
    return b"".join(local) + directory + end


def chunky_png(chunks: int) -> bytes:
    """A small real PNG with `chunks` empty ancillary chunks between its header and its pixels (each 12
    bytes: 1.6 million fill 19 MB), which Pillow walks one by one before finding the image's data."""
    header = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * 48 for _ in range(16)))
    filler = _chunk(b"tEXt", b"") * chunks
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + filler + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def png_header_late(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG whose IHDR is not its first chunk (Pillow looks for it past other chunks)."""
    bomb = png_bomb(width, height)
    return bomb[:8] + _chunk(b"tEXt", b"a\x00b") + bomb[8:]


def ole_doc(*, macros: bool = False) -> bytes:
    """An old binary Office file (.doc/.xls), with its VBA storage's name in the directory if `macros`."""
    body = b"\x00" * 64 + "WordDocument".encode("utf-16-le")
    if macros:
        body += b"\x00" * 16 + "_VBA_PROJECT".encode("utf-16-le")
    return OLE + body


def jar() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe")
    return out.getvalue()
