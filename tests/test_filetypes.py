"""core.filetypes and core.media on hostile bytes: what is refused, what passes, what goes as .bin."""

from __future__ import annotations

import io

import pytest
from PIL import EpsImagePlugin, Image

from core.filetypes import MAX_ENTRIES, Verdict, classify
from core.media import MAX_PIXELS, OversizedImage, UnreadableImage, check_size, looks_like_image, strip_image_metadata
from storage import image_worker
from tests.hostile import (
    EPS,
    EXE,
    HTA,
    LNK,
    MP4,
    OLE,
    PDF,
    SVG,
    crowded_zip,
    jar,
    office_zip,
    ole_doc,
    png_bomb,
    relationship,
)
from tests.media import exif_of, photo_with_exif


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("检查通知.pdf", PDF, "pdf"),
        ("视频.mp4", MP4, "mp4"),
        ("现场.MOV", MP4, "mov"),
        ("台账.docx", office_zip("word"), "docx"),
        ("台账.xlsx", office_zip("xl"), "xlsx"),
        ("汇报.pptx", office_zip("ppt"), "pptx"),
        (
            "台账.docx",
            office_zip(
                "word",
                parts={
                    "word/_rels/document.xml.rels": relationship("image", "media/image1.png", external=False),
                    "word/media/image1.png": b"\x89PNG",
                },
            ),
            "docx",
        ),
        ("说明.txt", "工人说：<b>危险</b> 3 > 2".encode(), "txt"),
        ("说明.txt", "工人每天在罐旁抽烟".encode(), "txt"),
        ("说明.txt", "工人每天在罐旁抽烟".encode("gb18030"), "txt"),
    ],
)
def test_allowed_types_keep_their_extension(name, data, extension):
    assert classify(name, data).verdict is Verdict.ALLOWED
    assert classify(name, data).extension == extension


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", EXE),
        ("合同.pdf", EXE),  # a program under a harmless name
        ("合同.pdf.lnk", LNK),
        ("照片.txt", LNK),
        ("run.bat", b"@echo off\r\ndel /q C:\\*\r\n"),
        ("run.cmd", b"echo"),
        ("x.scr", b"whatever"),
        ("x.js", b"WScript.Echo(1)"),
        ("x.vbs", b"MsgBox 1"),
        ("x.ps1", b"Get-Process"),
        ("x.hta", HTA),
        ("报告.txt", HTA),
        ("picture.svg", SVG),
        ("picture.txt", SVG),
        ("page.html", b"<!DOCTYPE html><p>hi</p>"),
        ("page.htm", b"<p>hi</p>"),
        ("tool.jar", jar()),
        ("tool.zip", jar()),
        ("setup.msi", ole_doc()),
        ("disk.iso", b"\x00" * 0x8001 + b"CD001" + b"\x00" * 10),
        ("drawing.eps", EPS),
        ("说明.txt", b"<!-- x --><svg onload=alert(1)>"),  # markup after a comment
        ("说明.txt", "现场情况如下。\n".encode() * 100 + b"<SCRIPT>alert(1)</SCRIPT>"),
        ("合同.pdf", b"<!-- %PDF-1.4 --><html><script>alert(1)</script>"),
        ("说明.txt", "<html><script>x</script>".encode("utf-16")),
    ],
)
def test_active_content_is_refused_by_name_or_by_content(name, data):
    assert classify(name, data).verdict is Verdict.ACTIVE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("台账.docm", office_zip("word", macros=True)),
        ("台账.xlsm", office_zip("xl", macros=True)),
        ("汇报.pptm", office_zip("ppt", macros=True)),
        ("模板.dotm", b"anything"),
        ("模板.xltm", b"anything"),
        ("台账.docx", office_zip("word", macros=True)),  # macros under a harmless name
        ("台账.zip", office_zip("xl", macros=True)),
        ("旧台账.doc", ole_doc(macros=True)),
        ("旧台账.xls", ole_doc(macros=True)),
        # a macro-enabled content type with the VBA part renamed
        (
            "台账.docx",
            office_zip(
                "word",
                types='<Override PartName="/word/document.xml" ContentType='
                '"application/vnd.ms-word.document.macroEnabled.main+xml"/>',
            ),
        ),
        (
            "台账.docx",
            office_zip(
                "word",
                types='<Default Extension="dat" ContentType="application/vnd.ms-office.vbaProject"/>',
                parts={"word/x.dat": OLE},
            ),
        ),
        # a template fetched from elsewhere when opened (remote template injection)
        (
            "台账.docx",
            office_zip(
                "word",
                parts={
                    "word/_rels/settings.xml.rels": relationship(
                        "attachedTemplate", "http://203.0.113.9/t.dotm", external=True
                    )
                },
            ),
        ),
        ("台账.xlsx", office_zip("xl", parts={"xl/macrosheets/sheet1.xml": "<xm:macrosheet/>"})),
        ("台账.docx", office_zip("word", parts={"word/activeX/activeX1.xml": "<ax:ocx/>"})),
        ("汇报.pptx", office_zip("ppt", parts={"ppt/embeddings/oleObject1.bin": OLE})),
    ],
)
def test_macro_enabled_office_files_are_refused_whatever_their_name(name, data):
    assert classify(name, data).verdict is Verdict.MACRO


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("照片.zip", office_zip("word")),  # archives could hold anything
        ("说明.rtf", b"{\\rtf1\\ansi hello}"),
        ("台账.docx", b"not a zip at all"),  # the name promises what the content is not
        ("合同.pdf", b"hello"),
        ("data.csv", b"a,b\n=1+1,2\n"),
        ("noname", b"\x01\x02\x03"),
        ("说明.txt", b"\x00\x01binary"),
        ("旧台账.doc", ole_doc()),  # old binary office files: Excel 4.0 macros need no VBA storage
        ("旧台账.xls", ole_doc()),
        ("旧汇报.ppt", ole_doc()),
        ("合同.pdf", b"<!-- %PDF-1.4 -->" + PDF),  # %PDF- must come first
        (
            "台账.docx",
            office_zip(
                "word",
                parts={"word/_rels/document.xml.rels": relationship("hyperlink", "http://example.com/", external=True)},
            ),
        ),  # it links outside itself: not vouched for
        ("台账.docx", crowded_zip(MAX_ENTRIES + 1)),  # too many entries to parse
    ],
)
def test_anything_else_goes_to_staff_as_bin(name, data):
    assert classify(name, data) == classify(name, data)
    assert classify(name, data).verdict is Verdict.UNKNOWN and classify(name, data).extension == "bin"


def test_a_decompression_bomb_is_refused_from_its_header_before_any_pixel_is_decoded(monkeypatch):
    bomb = png_bomb()
    assert len(bomb) < 20_000  # a few KB that claim 400 million pixels
    loaded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loaded.append(self) or None)
    with pytest.raises(OversizedImage):
        check_size(bomb)
    with pytest.raises(OversizedImage):
        strip_image_metadata(bomb)
    assert loaded == []
    assert looks_like_image(bomb)  # so that it is refused as a picture, not stored as a document


def test_an_image_between_the_budget_and_pillows_own_limit_is_refused_too():
    """Pillow only warns between MAX_IMAGE_PIXELS and twice that, and would decode it."""
    side = int((MAX_PIXELS * 1.5) ** 0.5)
    with pytest.raises(OversizedImage):
        strip_image_metadata(png_bomb(side, side))
    with pytest.raises(OversizedImage):
        check_size(png_bomb(MAX_PIXELS // 1000 + 1, 1000))


def test_eps_is_never_opened_and_never_reaches_ghostscript(monkeypatch):
    asked = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *args, **kwargs: asked.append(args))
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", "gs", raising=False)
    assert not looks_like_image(EPS)
    with pytest.raises(UnreadableImage):
        strip_image_metadata(EPS)
    assert asked == []


async def test_the_worker_process_cleans_a_photo_and_refuses_what_it_cannot_read():
    clean, mime = await image_worker.clean_image(photo_with_exif())
    assert mime == "image/jpeg" and exif_of(clean) == {}
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (96, 64)
    with pytest.raises(UnreadableImage):
        await image_worker.clean_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


async def test_a_worker_that_runs_over_its_time_is_killed(monkeypatch):
    monkeypatch.setattr(image_worker, "SECONDS", 0.0)  # no worker can answer in no time: killed at once
    with pytest.raises(UnreadableImage):
        await image_worker.clean_image(photo_with_exif())


async def test_a_worker_over_its_memory_stops_with_the_image_refused(monkeypatch):
    """30 megapixels are within the pixel budget, but not within 200 MB: the worker's own limit stops it."""
    monkeypatch.setattr(image_worker, "MEMORY_BYTES", 200 * 2**20)
    clean, _mime = await image_worker.clean_image(photo_with_exif())  # a photo fits
    assert exif_of(clean) == {}
    big = io.BytesIO()
    Image.new("RGB", (6000, 5000), (90, 90, 90)).save(big, "PNG", compress_level=1)
    with pytest.raises(UnreadableImage):
        await image_worker.clean_image(big.getvalue())
