"""The reward approval's rule is asked of services.rewards (approvable), by the admin's button before
it asks and by approve inside its unit of work: that very proposal, and never one's own."""

from __future__ import annotations

import pytest

from core.casework import Verification
from core.roles import Role
from core.tips import Status
from storage.casework import CaseError
from tests.conftest import services_of
from tests.office import ADMIN, REWARD, add_staff, work_to
from tests.reporter import file_tip


async def test_approvable_is_that_very_proposal_and_not_ones_own(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        services = services_of(sim)
        async with services.db.transaction() as conn:
            await services.staff.add(conn, REWARD, "奖励专员", Role.REWARD, "", "2026-11-23")
            await services.staff.add(conn, REWARD, None, Role.ADMIN, "", "2026-11-23")
        number, at = (await file_tip(sim.user(7103))).number, services.clock()
        await work_to(sim, number, Status.ACCEPTED)
        verified = Verification(outcome="true", problems=("facilities",), measures=("fine",), fine_fen=100_000_000)
        await services.casework.verify(number, ADMIN, verified, at)
        proposal = await services.rewards.decide(number, REWARD, at, choice="take")
        ids = {"reward_id": proposal.id, "amount_fen": proposal.amount_fen}
        assert (await services.rewards.approvable(number, ADMIN, **ids)).id == proposal.id
        with pytest.raises(CaseError, match="self"):
            await services.rewards.approvable(number, REWARD, **ids)
        with pytest.raises(CaseError, match="self"):
            await services.rewards.approve(number, REWARD, at, True, **ids)
        with pytest.raises(CaseError, match="approve"):
            await services.rewards.approvable(number, ADMIN, reward_id=proposal.id, amount_fen=1)
        assert (await services.rewards.approve(number, ADMIN, at, True, **ids)).state == "notified"
        with pytest.raises(CaseError, match="approve"):
            await services.rewards.approvable(number, ADMIN, **ids)


async def test_the_reward_officers_rules_are_the_services_and_its_use_cases_keep_them(start_bot):
    from tests.office import reward_to_claim

    async with start_bot() as sim:
        _, receipt = await reward_to_claim(sim)
        services = services_of(sim)
        rewards, number, at = services.rewards, receipt.number, services.clock()
        with pytest.raises(CaseError):  # notified, not claimed: nothing to pay, check or show
            await rewards.pay(number, REWARD, at, amount_fen=1_200_000, paid_on=at.date(), method="cash", reference="1")
        with pytest.raises(CaseError):
            await rewards.payee(number, REWARD, at)
        with pytest.raises(CaseError):
            await rewards.reopen(number, REWARD, at, "late")
        await rewards.claim(number, at, supervisory=False, method="in_person")
        reward = await rewards.get(number)
        assert rewards.checkable(reward) and not rewards.payable(reward) and not rewards.payee_viewable(reward)
        assert not rewards.reopenable(reward)
        with pytest.raises(CaseError, match="code"):
            await rewards.pay(number, REWARD, at, amount_fen=1_200_000, paid_on=at.date(), method="cash", reference="1")
        with pytest.raises(CaseError):
            await rewards.payee(number, REWARD, at)
