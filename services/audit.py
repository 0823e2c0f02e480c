"""Actions that change nothing but the audit log: a tip, a table or the statistics looked at, an
export, a key rotation. Each is its entry, in a unit of work of its own; an action that writes more
appends its entry inside its own unit (`uow.audit.append`), so the two commit together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.audit import AuditLog
from storage.db import Database


@dataclass(eq=False)
class AuditTrail:
    db: Database
    log: AuditLog

    async def note(
        self, *, actor: int | None, action: str, at: datetime, tip: str | None = None, detail: str = ""
    ) -> None:
        """Audit one action that wrote nothing else (`actor` None: the system, a reporter, the server's holder)."""
        async with self.db.unit_of_work(audit=self.log) as uow:
            await uow.audit.append(actor=actor, action=action, at=at, tip=tip, detail=detail)
