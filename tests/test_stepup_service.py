"""services/stepup.py: enrolment, codes accepted once, the lock-out, sessions, resets (four eyes), the
CLI's reset and the start-up line. Codes are computed with pyotp; times are the service's `now`."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pyotp
import pytest

from bot import cli, startup
from core.office import Security
from core.roles import Role
from services.stepup import CodeResult, Need, StepUpService, TotpError, Verdict
from storage.audit import AuditLog
from storage.staff import StaffRepository
from storage.totp import TotpRecords
from storage.vault import Vault
from tests.conftest import move_clock, row_counts, services_of

ADMIN, OTHER_ADMIN, THIRD_ADMIN, OFFICER = 8500000001, 8500000002, 8500000003, 8500000004
STEP = timedelta(seconds=30)


async def _staff(sim, *admins: int) -> None:
    services = services_of(sim)
    async with services.db.transaction() as conn:
        await services.staff.add(conn, OFFICER, "受理员", Role.INTAKE, "", "2026-12-01")
        for admin in admins:
            await services.staff.add(conn, admin, f"主任{admin % 10}", Role.ADMIN, "", "2026-12-01")


async def _enrol(services, user_id: int) -> str:
    """Enrol as a person does at the bot's now: the codes of one step ago and of now; the secret."""
    return await _enrol_at(services.stepup, user_id, services.clock())


async def _enrol_at(stepup: StepUpService, user_id: int, now: datetime) -> str:
    secret = (await stepup.begin_enrolment(user_id, "张三", now)).secret
    app = pyotp.TOTP(secret)
    assert await stepup.confirm_enrolment(user_id, app.at(now - STEP), app.at(now), now)
    return secret


async def _actions(services, user_id: int | None = None) -> list[tuple[str, str]]:
    return [(e.action, e.detail) for e in await services.audit.entries() if user_id is None or e.actor == user_id]


async def test_enrolment_takes_two_consecutive_codes_and_opens_a_session(start_bot):
    async with start_bot() as sim:
        await _staff(sim, ADMIN)
        services = services_of(sim)
        stepup, now = services.stepup, services.clock()
        assert await stepup.need(OFFICER, now) == Need.ENROL
        enrolment = await stepup.begin_enrolment(OFFICER, "受理员", now)
        assert pyotp.parse_uri(enrolment.uri).secret == enrolment.secret
        app = pyotp.TOTP(enrolment.secret)
        assert await stepup.need(OFFICER, now) == Need.ENROL  # begun is not enrolled
        assert not await stepup.confirm_enrolment(OFFICER, app.at(now), app.at(now), now)
        assert not await stepup.confirm_enrolment(OFFICER, app.at(now - 3 * STEP), app.at(now - 2 * STEP), now)
        assert await stepup.confirm_enrolment(OFFICER, app.at(now), app.at(now + STEP), now)
        assert await stepup.need(OFFICER, now) == Need.NONE
        assert OFFICER not in await stepup.not_enrolled() and ADMIN in await stepup.not_enrolled()
        with pytest.raises(TotpError, match="enrolled"):  # no second secret without a reset
            await stepup.begin_enrolment(OFFICER, "受理员", now)
        assert await _actions(services, OFFICER) == [
            ("totp.enrol", "begun"), ("totp.fail", "enrolment"), ("totp.fail", "enrolment"), ("totp.enrol", "confirmed")
        ]  # fmt: skip
        assert await stepup.current_code(OFFICER, now) is None  # both codes of now's window were used
        assert await stepup.current_code(OFFICER, now + STEP) == app.at(now + 2 * STEP)  # the next one, in drift
        assert await stepup.current_code(OFFICER, now + 2 * STEP) == app.at(now + 2 * STEP)


async def test_beginning_again_replaces_an_unconfirmed_secret_and_shreds_its_key(start_bot, settings):
    async with start_bot() as sim:
        await _staff(sim)
        stepup, now = services_of(sim).stepup, services_of(sim).clock()
        first = (await stepup.begin_enrolment(OFFICER, "受理员", now)).secret
        second = (await stepup.begin_enrolment(OFFICER, "受理员", now)).secret
        assert first != second
        old = pyotp.TOTP(first)
        assert not await stepup.confirm_enrolment(OFFICER, old.at(now - STEP), old.at(now), now)
        assert row_counts(settings, "staff_totp")["staff_totp"] == 1
        with pytest.raises(TotpError, match="not begun"):
            await stepup.confirm_enrolment(ADMIN, "123456", "654321", now)


async def test_without_require_totp_only_the_enrolled_are_asked(start_bot, office):
    config = office.model_copy(update={"security": Security(require_totp=False)})
    async with start_bot(config=config) as sim:
        await _staff(sim, ADMIN)
        services = services_of(sim)
        assert await services.stepup.need(OFFICER, services.clock()) == Need.NONE
        await _enrol(services, OFFICER)
        await services.stepup.end_session(OFFICER)
        assert await services.stepup.need(OFFICER, services.clock()) == Need.CODE


async def test_a_code_is_taken_once_and_a_code_of_another_step_is_wrong(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        services = services_of(sim)
        stepup, app = services.stepup, pyotp.TOTP(await _enrol(services, OFFICER))
        later = services.clock() + timedelta(minutes=20)
        assert await stepup.need(OFFICER, later) == Need.CODE
        assert (await stepup.verify(OFFICER, app.at(later), later)).result == CodeResult.OK
        assert (await stepup.verify(OFFICER, app.at(later), later)).result == CodeResult.REPLAYED
        # a code of the step before, still within the drift, is older than the one used: a replay too
        assert (await stepup.verify(OFFICER, app.at(later - STEP), later)).result == CodeResult.REPLAYED
        assert (await stepup.verify(OFFICER, app.at(later - 2 * STEP), later)).result == CodeResult.WRONG
        assert (await stepup.verify(OFFICER, app.at(later + 2 * STEP), later)).result == CodeResult.WRONG
        assert (await stepup.verify(OFFICER, app.at(later + STEP), later)).result == CodeResult.OK
        fails = [d for a, d in await _actions(services, OFFICER) if a == "totp.fail"]
        # the code that just signed them in, sent again in its session, is no guess: not counted
        assert fails == ["replayed;failures=1", "wrong;failures=2", "wrong;failures=3"]
        assert (await stepup.verify(ADMIN, app.at(later), later)).result == CodeResult.NOT_ENROLLED


async def test_five_wrong_codes_lock_the_person_out_for_growing_waits(start_bot):
    async with start_bot() as sim:
        await _staff(sim)
        services = services_of(sim)
        stepup, secret = services.stepup, await _enrol(services, OFFICER)
        app, now = pyotp.TOTP(secret), services.clock() + timedelta(hours=1)
        wrong = str((int(app.at(now)) + 1) % 1_000_000).zfill(6)
        verdicts = [await stepup.verify(OFFICER, wrong, now) for _ in range(5)]
        assert [v.result for v in verdicts] == [CodeResult.WRONG] * 4 + [CodeResult.LOCKED]
        assert verdicts[-1].just_locked and verdicts[-1].locked_until == now + timedelta(minutes=5)
        # locked out: even the right code is not tried, and the lock-out is not news again
        held = await stepup.verify(OFFICER, app.at(now), now)
        first_lock = verdicts[-1].locked_until
        assert (held.result, held.just_locked, held.locked_until) == (CodeResult.LOCKED, False, first_lock)
        assert await stepup.need(OFFICER, now) == Need.LOCKED  # a gated action says so before asking
        assert await stepup.locked_until(OFFICER, now) == first_lock
        after = now + timedelta(minutes=5)
        assert await stepup.need(OFFICER, after) == Need.CODE and await stepup.locked_until(OFFICER, after) is None
        again = await stepup.verify(OFFICER, wrong, after)
        assert again == Verdict(CodeResult.LOCKED, locked_until=after + timedelta(minutes=10), just_locked=True)
        done = after + timedelta(minutes=10)
        assert (await stepup.verify(OFFICER, app.at(done), done)).result == CodeResult.OK
        assert (await stepup.verify(OFFICER, wrong, done + STEP)).result == CodeResult.WRONG  # counted afresh
        actions = await _actions(services, OFFICER)
        assert [d for a, d in actions if a == "totp.lock"] == [
            f"until={(now + timedelta(minutes=5)).isoformat()}", f"until={(after + timedelta(minutes=10)).isoformat()}"
        ]  # fmt: skip
        assert not any(app.at(now) in d or wrong in d or secret in d for _, d in actions)


async def test_the_session_lasts_session_minutes_of_the_bots_clock(start_bot, monkeypatch):
    async with start_bot() as sim:
        await _staff(sim)
        services = services_of(sim)
        assert services.stepup.session_minutes == 15  # the example file's
        await _enrol(services, OFFICER)
        move_clock(sim, monkeypatch, timedelta(minutes=14, seconds=59))
        assert await services.stepup.need(OFFICER, services.clock()) == Need.NONE
        move_clock(sim, monkeypatch, timedelta(seconds=1))
        assert await services.stepup.need(OFFICER, services.clock()) == Need.CODE
        now = services.clock()
        code = pyotp.TOTP(await services.stepup.records.secret(OFFICER)).at(now)
        assert (await services.stepup.verify(OFFICER, code, now)).result == CodeResult.OK
        assert await services.stepup.need(OFFICER, now) == Need.NONE
        await services.stepup.end_session(OFFICER)
        assert await services.stepup.need(OFFICER, now) == Need.CODE


async def test_a_configured_session_length_is_used(start_bot, office):
    config = office.model_copy(update={"security": Security(session_minutes=60)})
    async with start_bot(config=config) as sim:
        await _staff(sim)
        services = services_of(sim)
        await _enrol(services, OFFICER)
        now = services.clock()
        assert await services.stepup.need(OFFICER, now + timedelta(minutes=59)) == Need.NONE
        assert await services.stepup.need(OFFICER, now + timedelta(minutes=60)) == Need.CODE


async def test_an_admin_resets_a_colleague_who_must_enrol_again(start_bot, settings):
    async with start_bot() as sim:
        await _staff(sim, ADMIN)
        services = services_of(sim)
        stepup, now = services.stepup, services.clock()
        await _enrol(services, OFFICER)
        with pytest.raises(TotpError, match="admin"):
            await stepup.reset(ADMIN, OFFICER, now)
        with pytest.raises(TotpError, match="self"):
            await stepup.reset(ADMIN, ADMIN, now)
        outcome = await stepup.reset(OFFICER, ADMIN, now)
        assert (outcome.done, outcome.request_id) == (True, None)
        assert await stepup.need(OFFICER, now) == Need.ENROL
        assert await stepup.current_code(OFFICER, now) is None
        assert row_counts(settings, "staff_totp")["staff_totp"] == 0
        assert ("totp.reset", f"user={OFFICER}") in await _actions(services, ADMIN)
        await _enrol(services, OFFICER)  # and enrols again
        assert await stepup.need(OFFICER, services.clock()) == Need.NONE


async def test_resetting_an_admin_needs_a_second_admins_approval(start_bot):
    async with start_bot() as sim:
        await _staff(sim, ADMIN, OTHER_ADMIN, THIRD_ADMIN)
        services = services_of(sim)
        stepup, now = services.stepup, services.clock()
        await _enrol(services, OTHER_ADMIN)
        outcome = await stepup.reset(OTHER_ADMIN, ADMIN, now)
        assert not outcome.done and outcome.request_id is not None
        assert await stepup.need(OTHER_ADMIN, now) == Need.NONE  # nothing reset yet
        assert (await stepup.reset(OTHER_ADMIN, ADMIN, now)).request_id == outcome.request_id  # one pending
        with pytest.raises(TotpError, match="self"):  # four eyes
            await stepup.decide_reset(outcome.request_id, ADMIN, True, now)
        with pytest.raises(TotpError, match="admin"):
            await stepup.decide_reset(outcome.request_id, OFFICER, True, now)
        assert await stepup.decide_reset(outcome.request_id, THIRD_ADMIN, True, now) == OTHER_ADMIN
        assert await stepup.need(OTHER_ADMIN, now) == Need.ENROL
        with pytest.raises(TotpError, match="decided"):
            await stepup.decide_reset(outcome.request_id, OTHER_ADMIN, False, now)
        assert ("totp.reset.request", f"request={outcome.request_id};user={OTHER_ADMIN}") in await _actions(services)
        detail = f"request={outcome.request_id};user={OTHER_ADMIN};requester={ADMIN}"
        assert ("totp.reset", detail) in await _actions(services, THIRD_ADMIN)


async def test_with_two_admins_the_other_decides_and_a_refusal_changes_nothing(start_bot):
    async with start_bot() as sim:
        await _staff(sim, ADMIN, OTHER_ADMIN)
        services = services_of(sim)
        stepup, now = services.stepup, services.clock()
        await _enrol(services, OTHER_ADMIN)
        request_id = (await stepup.reset(OTHER_ADMIN, ADMIN, now)).request_id
        assert await stepup.decide_reset(request_id, OTHER_ADMIN, False, now) == OTHER_ADMIN
        assert await stepup.need(OTHER_ADMIN, now) == Need.NONE
        assert [a for a, _ in await _actions(services, OTHER_ADMIN)][-1] == "totp.reset.refuse"
        again = (await stepup.reset(OTHER_ADMIN, ADMIN, now)).request_id
        assert again != request_id
        await stepup.decide_reset(again, OTHER_ADMIN, True, now)
        assert await stepup.need(OTHER_ADMIN, now) == Need.ENROL


def _enrol_offline(settings, ring, user_id: int) -> None:
    async def work(db):
        vault = Vault(ring)
        stepup = StepUpService(db, StaffRepository(db, vault), AuditLog(db, vault), TotpRecords(db, vault))
        await _enrol_at(stepup, user_id, datetime.now(settings.tz))

    asyncio.run(startup.on_database(settings, ring, work))


def test_the_cli_resets_without_approval_and_says_what_comes_next(env, ring, capsys):
    assert cli.main(["staff", "add", str(ADMIN), "--role", "admin", "--name", "刘主任"]) == 0
    _enrol_offline(env, ring, ADMIN)
    capsys.readouterr()
    assert cli.main(["staff", "totp-reset", str(ADMIN)]) == 0
    out = capsys.readouterr().out
    assert "The authenticator of 刘主任" in out and "/totp" in out
    assert cli.main(["staff", "totp-reset", str(ADMIN)]) == 0
    assert "nothing to reset" in capsys.readouterr().out
    assert cli.main(["staff", "totp-reset", "123"]) == 2
    assert "123 is not an active staff member" in capsys.readouterr().err

    async def audited(db):
        return [(e.actor, e.action, e.detail) for e in await AuditLog(db, Vault(ring)).entries()]

    entries = asyncio.run(startup.on_database(env, ring, audited))
    assert (None, "totp.reset", f"user={ADMIN};by=operator") in entries
    assert (None, "totp.reset", f"user={ADMIN};by=operator;none") in entries


def test_start_up_says_how_many_staff_have_not_enrolled(env, ring, office, caplog, capsys):
    for user_id in (ADMIN, OFFICER):
        assert cli.main(["staff", "add", str(user_id), "--role", "admin"]) == 0
    _enrol_offline(env, ring, ADMIN)
    with caplog.at_level(logging.WARNING):
        asyncio.run(cli._preflight(env, ring, office))
    said = caplog.text + capsys.readouterr().err
    assert "1 staff have not set up their authenticator yet: each is walked to it by the first action" in said
    caplog.clear()
    relaxed = office.model_copy(update={"security": Security(require_totp=False)})
    with caplog.at_level(logging.WARNING):
        asyncio.run(cli._preflight(env, ring, relaxed))
    assert "authenticator" not in caplog.text + capsys.readouterr().err
