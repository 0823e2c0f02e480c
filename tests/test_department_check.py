"""The department permission is the use case's own: an officer whose tip was moved to another department
between the card and the action is refused inside the unit of work, and nothing changes."""

from __future__ import annotations

import pytest

from core.tips import Status
from services.casework import NotTheirs
from tests.conftest import services_of
from tests.office import ADMIN, EMERGENCY, FIRE, REPORTER, add_staff
from tests.reporter import file_tip


async def test_an_officer_acting_on_a_tip_moved_to_another_department_is_refused(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))  # 危险化学品 → 应急站 (EMERGENCY's department)
        services = services_of(sim)
        at = services.clock()
        await services.casework.reassign(receipt.number, ADMIN, "fire", at)  # moved meanwhile
        with pytest.raises(NotTheirs):
            await services.casework.accept(receipt.number, EMERGENCY, at)
        facets = await services.tips.facets(receipt.number)
        assert facets.status == Status.RECEIVED and facets.department == "fire"
        assert "tip.accept" not in {e.action for e in await services.audit.entries(receipt.number)}
        await services.casework.accept(receipt.number, FIRE, at)  # the department's own officer may
        assert (await services.tips.facets(receipt.number)).status == Status.ACCEPTED
