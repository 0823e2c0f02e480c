"""Who hears of a tip routed to a department (core.roles.responsible), for new-tip alerts and deadlines alike."""

from core.roles import Role, StaffMember, responsible

FIRE = StaffMember(1, "消防所", frozenset({Role.DEPARTMENT}), frozenset({"fire"}))
INTAKE = StaffMember(2, "受理员", frozenset({Role.INTAKE}))
ADMIN = StaffMember(3, "主任", frozenset({Role.ADMIN}))


def _ids(staff, department, with_intake):
    return {m.user_id for m in responsible(staff, department, with_intake=with_intake)}


def test_the_departments_officers_and_intake_when_asked():
    assert _ids([FIRE, INTAKE, ADMIN], "fire", with_intake=False) == {1}
    assert _ids([FIRE, INTAKE, ADMIN], "fire", with_intake=True) == {1, 2}


def test_intake_when_the_department_has_no_officer_then_the_admins():
    assert _ids([FIRE, INTAKE, ADMIN], "emergency", with_intake=False) == {2}
    assert _ids([FIRE, ADMIN], "emergency", with_intake=False) == {3}
