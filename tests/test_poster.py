"""`python -m bot poster`: an A4 PDF and PNG in a real CJK font whose QR code reads back as the deep link."""

from __future__ import annotations

import asyncio

import cv2
import numpy as np
import pytest

from bot import cli
from core.poster import reward_sentence
from core.rewards import NATIONAL
from tests.conftest import EXAMPLE_CONFIG


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_CONFIG", str(EXAMPLE_CONFIG))


def _decoded(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (1754, 1240) or abs(image.shape[0] / image.shape[1] - 297 / 210) < 0.01  # A4
    return cv2.QRCodeDetector().detectAndDecode(image)[0]


@pytest.mark.parametrize(("args", "link"), [
    ([], "https://t.me/TiplineTestBot?start=report"),
    (["--industry", "construction"], "https://t.me/TiplineTestBot?start=report_construction"),
    (["--industry", "gas", "--village", "xishan", "--lang", "en"], "https://t.me/TiplineTestBot?start=report_gas_xishan"),
])  # fmt: skip
async def test_the_poster_files_carry_the_right_link(env, tmp_path, args, link):
    out = tmp_path / "out"
    argv = ["poster", "--bot", "@TiplineTestBot", "--out", str(out), *args]
    assert await asyncio.to_thread(cli.main, argv) == 0
    [pdf] = out.glob("*.pdf")
    [png] = out.glob("*.png")
    assert _decoded(png.read_bytes()) == link
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF") and b"FontFile2" in body  # the CJK font is embedded, not substituted


def test_a_village_the_office_does_not_have_is_refused(env, capsys):
    assert cli.main(["poster", "--bot", "TiplineTestBot", "--village", "atlantis"]) == 2
    assert "--village" in capsys.readouterr().err


def test_the_reward_sentence_follows_the_rule_set():
    assert (
        reward_sentence(NATIONAL, "zh")
        == "经查证属实的，按行政处罚金额的 15% 给予奖励，最低 3,000 元，最高 300,000 元。"
    )
    assert "15%" in reward_sentence(NATIONAL, "en") and "¥300,000" in reward_sentence(NATIONAL, "en")
