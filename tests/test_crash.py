"""SIGKILL in the middle of a submission: the tip (or the month's figures) is stored whole or not at
all, and after the restart the same press finishes the job: the reporter's draft, with its photo,
resumes and gives one tip and one receipt; the liaison's figures are stored once, as version 1.

The dying process is a real one (tests/crash_child.py), killed by the kernel at a chosen SQL
statement of the submission; this test then reads the files it left and starts the bot on them.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime

import pytest

from bot import simulator
from storage.db import DB_FILENAME
from tests.conftest import ROOT, row_counts, services_of
from tests.liaisons import LIAISON, put_clock
from tests.office import REPORTER
from tests.reporter import receipt_from


def _die(kind: str, settings, moment: str, monkeypatch) -> dict:
    """Run the child until it kills itself; returns the message whose button it pressed.

    Telegram's update ids only grow: the restarted bot's updates come after the dead one's."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.crash_child", kind, str(settings.data_dir), str(settings.keyring_path), moment],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("SUMMARY "))
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as conn:
        last = conn.execute("SELECT MAX(update_id) FROM processed_updates").fetchone()[0]
    monkeypatch.setattr(simulator, "_UPDATE_IDS", itertools.count(last + 1))
    return json.loads(line.removeprefix("SUMMARY "))


TIP_TABLES = ("tips", "tip_events", "tip_files", "draft_files", "outbox")
#: A tip stored whole: its row, first event, photo and receipt; the draft's photo moved into it.
WHOLE_TIP = {"tips": 1, "tip_events": 1, "tip_files": 1, "draft_files": 0, "outbox": 1}


@pytest.mark.parametrize(("moment", "stored"), [("insert", False), ("file", False), ("commit", False),
                                                 ("after", True)])  # fmt: skip
async def test_a_tip_killed_mid_submission_is_whole_or_absent_and_the_draft_resumes(
    start_bot, settings, ring, monkeypatch, moment, stored
):
    summary = _die("tip", settings, moment, monkeypatch)
    left = row_counts(settings, *TIP_TABLES)
    if stored:  # the whole tip with its photo, and its receipt waiting in the outbox
        assert left == WHOLE_TIP
    else:  # nothing of it; the draft's photo is still there for the resumed draft
        assert left == {"tips": 0, "tip_events": 0, "tip_files": 0, "draft_files": 1, "outbox": 0}

    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        [reply] = await sim.user(REPORTER).press(summary, "tip:summary:submit")
        receipt = receipt_from([reply])
        tips = services_of(sim).tips
        assert await services_of(sim).receipts.verify(receipt.code, await tips.receipt_hash(receipt.number))
        assert len(await tips.files(receipt.number)) == 1
    assert row_counts(settings, *TIP_TABLES) == WHOLE_TIP


@pytest.mark.parametrize(("moment", "stored"), [("insert", False), ("commit", False), ("after", True)])
async def test_figures_killed_mid_submission_are_whole_or_absent_and_stored_once(
    start_bot, settings, ring, monkeypatch, moment, stored
):
    preview = _die("figures", settings, moment, monkeypatch)
    with sqlite3.connect(settings.data_dir / DB_FILENAME) as conn:
        assert conn.execute("SELECT COUNT(*) FROM figure_reports").fetchone()[0] == int(stored)
        audit = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'figures.submit'").fetchone()[0]
        assert audit == int(stored)

    async with start_bot() as sim:
        sim.app.job_queue.scheduler.pause()
        services = services_of(sim)
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 10, 0))
        [received, *_] = await sim.user(LIAISON).press(preview, "lv:send")
        assert "第 1 版" in received.text  # stored now, or found stored already: one version either way
        [report] = await services.submissions.versions(1, "2026-10")
        assert report.values["enterprises"] == 120 and report.values["referred"] == 1
