"""Adding a unit is a use case (services.people.PeopleService.add_unit): the name tidied and checked, a
taken name refused inside the unit of work, the addition audited; storage only stores it."""

from __future__ import annotations

import pytest

from storage.liaisons import UnitError
from tests.conftest import services_of
from tests.office import ADMIN


async def test_a_unit_is_added_once_audited_and_a_taken_or_bad_name_refused(start_bot):
    async with start_bot() as sim:
        services = services_of(sim)
        people, at = services.people, services.clock()
        unit = await people.add_unit("  东平村 ", "village", ADMIN, at)
        assert unit.name == "东平村" and await services.units.all() == [unit]
        for name, kind, reason in (("东平村", "village", "taken"), ("村", "village", "name"), ("西山村", "x", "kind")):
            with pytest.raises(UnitError) as refused:
                await people.add_unit(name, kind, ADMIN, at)
            assert refused.value.reason == reason
        assert await services.units.all() == [unit]
        added = [e for e in await services.audit.entries() if e.action == "unit.add"]
        assert [(e.actor, e.detail) for e in added] == [(ADMIN, f"{unit.id}:village")]
