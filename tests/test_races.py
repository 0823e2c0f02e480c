"""Two use cases racing on the same tip: each checks the tip's status inside its own unit of work, so
the one that comes second sees the first one's result and is refused; the tip records one action.
Likewise a month's figures and the admin's lock on that month: one order or the other, never figures
stored into a locked month."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest

from core.casework import Verification
from core.figures import TEMPLATE_A
from core.roles import Role
from core.tips import Status
from services.casework import StaleAction
from services.figures import PeriodLocked
from storage.casework import CaseError
from tests.conftest import services_of
from tests.liaisons import LIAISON, office_with_unit
from tests.office import ADMIN, INTAKE, REWARD, add_staff, open_card, staff_and_a_checked_tip, work_to
from tests.reporter import file_tip

OCTOBER = {"enterprises": 3, "inspected": 2}


async def _audited(services, number: str) -> list[str]:
    rows = await services.db.fetchall("SELECT action FROM audit_log WHERE tip = ? ORDER BY id", (number,))
    return [row[0] for row in rows]


async def test_accept_and_not_accept_at_once_one_wins_the_other_is_refused(start_bot, monkeypatch):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        receipt = await file_tip(sim.user(7100))
        number, at = receipt.number, services.clock()
        paused, release, second_at_door = asyncio.Event(), asyncio.Event(), asyncio.Event()

        change_status = services.tips.change_status

        async def pausing(conn, *args, **kwargs):  # the first write waits, inside its transaction
            if not paused.is_set():
                paused.set()
                await release.wait()
            return await change_status(conn, *args, **kwargs)

        transaction, opened = services.db.transaction, []

        def door():  # the second use case reaches its transaction (it waits there for the first)
            opened.append(True)
            if len(opened) == 2:
                second_at_door.set()
            return transaction()

        monkeypatch.setattr(services.tips, "change_status", pausing)
        monkeypatch.setattr(services.db, "transaction", door)
        accepting = asyncio.create_task(services.casework.accept(number, INTAKE, at))
        await paused.wait()
        refusing = asyncio.create_task(services.casework.not_accept(number, ADMIN, "duplicate", at))
        await second_at_door.wait()
        release.set()
        accepted, refused = await asyncio.gather(accepting, refusing, return_exceptions=True)

        assert accepted is None and isinstance(refused, CaseError)
        assert (await services.tips.facets(number)).status == Status.ACCEPTED
        assert [e.status for e in await services.tips.events(number)] == [Status.RECEIVED, Status.ACCEPTED]
        assert [a for a in await _audited(services, number) if a.startswith("tip.")] == ["tip.accept"]
        assert await services.tips.messages(number) == []  # no "not accepted" entry in the dialogue


async def test_a_status_write_from_a_stale_read_changes_nothing(start_bot):
    """The compare-and-set under every status change: a write expecting a status the tip has left is refused."""
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        receipt = await file_tip(sim.user(7101))
        number, at = receipt.number, services.clock()
        await services.casework.accept(number, INTAKE, at)
        with pytest.raises(StaleAction):
            async with services.casework._work() as uow:
                await services.casework._move(uow, number, Status.RECEIVED, Status.NOT_ACCEPTED, at.date())
        assert [e.status for e in await services.tips.events(number)] == [Status.RECEIVED, Status.ACCEPTED]


async def test_one_request_decided_twice_at_once_is_decided_once(start_bot, monkeypatch):
    """An admin approves an extension while (on another device) refusing it: the approval waits at its
    transaction's door while the refusal goes through; the approval then finds it decided."""
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        receipt = await file_tip(sim.user(7102))
        number, at = receipt.number, services.clock()
        await work_to(sim, number, Status.ACCEPTED)
        due = (await services.tips.facets(number)).due_on
        request_id = await services.requests.request(number, "extension", INTAKE, "需要检测报告", at, days=10)
        release, second_at_door = asyncio.Event(), asyncio.Event()
        transaction, opened = services.db.transaction, []

        @asynccontextmanager
        async def door():  # the first waits at its transaction's door until the second has gone through it
            opened.append(True)
            if len(opened) == 1:
                await release.wait()
            else:
                second_at_door.set()
            async with transaction() as conn:
                yield conn

        monkeypatch.setattr(services.db, "transaction", door)
        approving = asyncio.create_task(services.requests.decide(request_id, ADMIN, True, at))
        refusing = asyncio.create_task(services.requests.decide(request_id, ADMIN, False, at))
        await second_at_door.wait()
        release.set()
        approved, refused = await asyncio.gather(approving, refusing, return_exceptions=True)

        assert refused.state == "refused" and isinstance(approved, CaseError)  # the second through the door won
        assert (await services.requests.get(request_id)).state == "refused"
        assert (await services.tips.facets(number)).due_on == due  # not extended by the loser
        decisions = [a for a in await _audited(services, number) if a.startswith("extension.")]
        assert decisions == ["extension.request", "extension.refuse"]


async def test_one_reward_approved_and_refused_at_once_is_decided_once(start_bot, monkeypatch):
    """The admin approves a ¥150,000 reward while (on another device) refusing it: the approval pauses
    inside its transaction, the refusal read the same proposal and waits at the door; it is then refused."""
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
        number, at = (await file_tip(sim.user(7102))).number, services.clock()
        await work_to(sim, number, Status.ACCEPTED)
        verified = Verification(outcome="true", problems=("facilities",), measures=("fine",), fine_fen=100_000_000)
        await services.casework.verify(number, ADMIN, verified, at)
        proposal = await services.rewards.decide(number, REWARD, at, choice="take")
        assert proposal.state == "proposed"
        paused, release, second_at_door = asyncio.Event(), asyncio.Event(), asyncio.Event()
        set_state, transaction, opened = services.rewards._move, services.db.transaction, []

        async def pausing(*args, **kwargs):  # the first decision's state write waits, inside its transaction
            if not paused.is_set():
                paused.set()
                await release.wait()
            return await set_state(*args, **kwargs)

        def door():
            opened.append(True)
            if len(opened) == 2:
                second_at_door.set()
            return transaction()

        monkeypatch.setattr(services.rewards, "_move", pausing)
        monkeypatch.setattr(services.db, "transaction", door)
        ids = {"reward_id": proposal.id, "amount_fen": proposal.amount_fen}
        approving = asyncio.create_task(services.rewards.approve(number, ADMIN, at, True, **ids))
        await paused.wait()
        refusing = asyncio.create_task(services.rewards.approve(number, ADMIN, at, False, **ids))
        await second_at_door.wait()
        release.set()
        approved, refused = await asyncio.gather(approving, refusing, return_exceptions=True)

        assert approved.state == "notified" and isinstance(refused, CaseError)
        reward = await services.rewards.get(number)
        assert reward.state == "notified" and reward.refusal is None
        decisions = [a for a in await _audited(services, number) if a in ("reward.approved", "reward.refused")]
        assert decisions == ["reward.approved"]


async def test_a_month_locked_while_figures_for_it_are_on_their_way_takes_none(start_bot, monkeypatch):
    """The liaison presses Send while the admin locks October: the submission waits at its unit of
    work's door while the lock goes through; inside, it then finds October locked and stores nothing."""
    async with start_bot() as sim:
        unit = await office_with_unit(sim)
        services = services_of(sim)
        at = services.clock()
        release, submission_at_door, lock_at_door = asyncio.Event(), asyncio.Event(), asyncio.Event()
        transaction, opened = services.db.transaction, []

        @asynccontextmanager
        async def door():  # the submission waits at the door until the lock has gone through it
            opened.append(True)
            if len(opened) == 1:
                submission_at_door.set()
                await release.wait()
            else:
                lock_at_door.set()
            async with transaction() as conn:
                yield conn

        monkeypatch.setattr(services.db, "transaction", door)
        submitting = asyncio.create_task(
            services.figures.submit_month(unit.id, "2026-10", TEMPLATE_A, OCTOBER, LIAISON, at, late=False)
        )
        await submission_at_door.wait()
        locked = await services.figures.lock("2026-10", ADMIN, at)
        release.set()
        [submitted] = await asyncio.gather(submitting, return_exceptions=True)

        assert lock_at_door.is_set() and locked is True and isinstance(submitted, PeriodLocked)
        assert await services.submissions.versions(unit.id, "2026-10") == []
        assert await _figures_audited(services) == ["figures.lock"]


async def test_figures_stored_before_the_lock_count_and_the_lock_follows(start_bot, monkeypatch):
    """The other order: the submission is inside its unit of work (checked, about to write) when the
    admin locks; the lock waits at the door, then locks the month with the figures in it."""
    async with start_bot() as sim:
        unit = await office_with_unit(sim)
        services = services_of(sim)
        at = services.clock()
        paused, release, lock_at_door = asyncio.Event(), asyncio.Event(), asyncio.Event()
        add, transaction, opened = services.submissions.add, services.db.transaction, []

        async def pausing(conn, *args, **kwargs):  # the submission's write waits, inside its transaction
            paused.set()
            await release.wait()
            return await add(conn, *args, **kwargs)

        def door():
            opened.append(True)
            if len(opened) == 2:
                lock_at_door.set()
            return transaction()

        monkeypatch.setattr(services.submissions, "add", pausing)
        monkeypatch.setattr(services.db, "transaction", door)
        submitting = asyncio.create_task(
            services.figures.submit_month(unit.id, "2026-10", TEMPLATE_A, OCTOBER, LIAISON, at, late=False)
        )
        await paused.wait()
        locking = asyncio.create_task(services.figures.lock("2026-10", ADMIN, at))
        await lock_at_door.wait()
        release.set()
        submitted, locked = await asyncio.gather(submitting, locking, return_exceptions=True)

        assert submitted.version == 1 and not submitted.unchanged and locked is True
        [stored] = await services.submissions.versions(unit.id, "2026-10")
        assert stored.values == OCTOBER and await services.submissions.locked("2026-10")
        assert await _figures_audited(services) == ["figures.submit", "figures.lock"]
        with pytest.raises(PeriodLocked):  # a correction after the lock is refused
            await services.figures.submit_month(unit.id, "2026-10", TEMPLATE_A, {"cases": 1}, LIAISON, at)


async def _figures_audited(services) -> list[str]:
    rows = await services.db.fetchall("SELECT action FROM audit_log WHERE action LIKE 'figures.%' ORDER BY id")
    return [row[0] for row in rows]


# -- in the chats: two people press at once, and the one who comes second is told so ----------------


def _first_write_waits(services, monkeypatch):
    """The first status write waits, inside its transaction, until `release`; `second_in` is set when a
    second use case asks for its unit of work (it then waits for the first to commit)."""
    paused, release, second_in = asyncio.Event(), asyncio.Event(), asyncio.Event()
    change_status, unit_of_work = services.tips.change_status, services.db.unit_of_work

    async def pausing(conn, *args, **kwargs):
        if not paused.is_set():
            paused.set()
            await release.wait()
        return await change_status(conn, *args, **kwargs)

    def door(**repositories):
        if paused.is_set():
            second_in.set()
        return unit_of_work(**repositories)

    monkeypatch.setattr(services.tips, "change_status", pausing)
    monkeypatch.setattr(services.db, "unit_of_work", door)
    return paused, release, second_in


async def _pressed_at_once(first, second, paused, release, second_in):
    """Both presses' updates processed concurrently: the second's handler checks the tip while the
    first's unit of work is open (and has not written yet), then the first commits."""
    first_task = asyncio.create_task(first)
    await paused.wait()
    second_task = asyncio.create_task(second)
    at_door = asyncio.create_task(second_in.wait())
    await asyncio.wait({second_task, at_door}, return_when=asyncio.FIRST_COMPLETED)
    at_door.cancel()
    release.set()
    replies = await asyncio.gather(first_task, second_task)
    assert second_in.is_set(), "the second press was refused before its unit of work: no race was run"
    return replies


async def test_the_reporter_withdraws_while_the_intake_officer_accepts_the_officer_is_told(start_bot, monkeypatch):
    async with start_bot() as sim:
        services = services_of(sim)
        reporter, receipt = await staff_and_a_checked_tip(sim, 7110)
        await reporter.tap("check:withdraw")
        officer, _card = await open_card(sim, INTAKE, receipt.number)
        await officer.tap(f"case:accept:{receipt.number}")
        waits = _first_write_waits(services, monkeypatch)
        withdrawn, refused = await _pressed_at_once(reporter.tap("确定撤回"), officer.tap("确定"), *waits)

        assert any(f"举报 {receipt.number} 已撤回" in reply.text for reply in withdrawn)
        assert [reply.text for reply in refused] == ["这份举报现在不能这样操作。"]
        assert (await services.tips.facets(receipt.number)).status == Status.WITHDRAWN
        assert [e.status for e in await services.tips.events(receipt.number)] == [Status.RECEIVED, Status.WITHDRAWN]
        assert [a for a in await _audited(services, receipt.number) if a.startswith("tip.") and a != "tip.view"] == [
            "tip.withdraw"
        ]


async def test_the_officer_does_not_accept_while_the_reporter_withdraws_the_reporter_is_told(start_bot, monkeypatch):
    async with start_bot() as sim:
        services = services_of(sim)
        reporter, receipt = await staff_and_a_checked_tip(sim, 7111)
        await reporter.tap("check:withdraw")
        officer, _card = await open_card(sim, INTAKE, receipt.number)
        await officer.tap(f"case:reject:{receipt.number}")
        await officer.tap("不属于安全生产问题")
        waits = _first_write_waits(services, monkeypatch)
        not_accepted, refused = await _pressed_at_once(officer.tap("确定"), reporter.tap("确定撤回"), *waits)

        assert any("不予受理" in reply.text for reply in not_accepted)
        assert any("这份举报现在不能这样操作。" in reply.text for reply in refused)
        assert not any("已撤回" in reply.text for reply in refused)
        assert (await services.tips.facets(receipt.number)).status == Status.NOT_ACCEPTED
        assert [a for a in await _audited(services, receipt.number) if a.startswith("tip.") and a != "tip.view"] == [
            "tip.not_accept"
        ]


async def test_two_files_sent_at_once_for_the_last_place_one_is_kept(start_bot, office):
    """The files-per-tip limit is counted inside the unit of work that adds the file: two files sent
    at once when one place is left do not both pass the count."""
    from storage.drafts import EvidenceFile

    one_place = office.model_copy(update={"limits": office.limits.model_copy(update={"max_files_per_tip": 1})})
    async with start_bot(config=one_place) as sim:
        services = services_of(sim)
        receipt = await file_tip(sim.user(7120))
        today = services.clock().date()

        def pdf(n: int) -> EvidenceFile:
            return EvidenceFile("document", f"{n}.pdf", "application/pdf", b"%PDF-1.4 " + bytes([n]) * 64)

        assert await services.reports.files_full(receipt.number) is None
        kept = await asyncio.gather(*(services.reports.add_file(receipt.number, pdf(n), today) for n in (1, 2)))

        assert sorted(kept) == [False, True]
        assert await services.tips.file_count(receipt.number) == 1
        assert await services.reports.files_full(receipt.number) == 1
