"""Staff roles and what each may do (docs/DOMAIN.md section 1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.taxonomy import Named, names

#: How long an invite code (a staff member's for /join, a liaison's for /register) works, once.
INVITE_HOURS = 72


class Role(Named):
    ADMIN = "admin"
    INTAKE = "intake"
    DEPARTMENT = "department"
    REWARD = "reward"
    AUDITOR = "auditor"


ROLE_NAMES = names({
    Role.ADMIN: ("管理员（负责人）", "Admin (custodian)"),
    Role.INTAKE: ("受理人员", "Intake officer"),
    Role.DEPARTMENT: ("部门办理人员", "Department officer"),
    Role.REWARD: ("奖励兑现人员", "Reward officer"),
    Role.AUDITOR: ("审计人员", "Auditor"),
})  # fmt: skip


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    name: str
    roles: frozenset[Role] = frozenset()
    departments: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def sees_all_tips(self) -> bool:
        return self.has(Role.ADMIN, Role.INTAKE, Role.AUDITOR)

    def may_see(self, department: str) -> bool:
        """Whether a tip routed to `department` is this person's to see."""
        return self.sees_all_tips() or (Role.DEPARTMENT in self.roles and department in self.departments)

    def may_work(self, department: str) -> bool:
        """Whether this person may act on such a tip (auditors only look)."""
        return self.has(Role.ADMIN, Role.INTAKE) or (Role.DEPARTMENT in self.roles and department in self.departments)


def responsible(staff: Iterable[StaffMember], department: str, *, with_intake: bool) -> list[StaffMember]:
    """Who hears of a tip routed to `department` (a new tip's alert, a deadline): its officers; the
    intake officers too when `with_intake` or when it has no officer; the admins when nobody else is
    there, so that nothing goes unheard. Each person once."""
    staff = list(staff)
    people = [m for m in staff if Role.DEPARTMENT in m.roles and department in m.departments]
    if with_intake or not people:
        people += [m for m in staff if Role.INTAKE in m.roles]
    if not people:
        people = [m for m in staff if Role.ADMIN in m.roles]
    return list({m.user_id: m for m in people}.values())
