"""The audit log's head, sent each day to the auditors and admins in their private chats.

Whoever holds the key ring can rewrite the audit chain (drop the triggers, edit, recompute every
hash): only a head noted outside the server shows it. Each day the bot tells the auditors and admins
how many entries there are and the newest hash; `python -m bot audit verify --head HASH` later finds
that entry with that hash, and the chain from it to now, or says the log was rewritten.

Through the outbox (handlers.outbox), one message per person per day under the key
`audit-head:<day>@<user>`: a restart the same day sends nothing twice, and a message Telegram
refuses for now is retried.
"""

from __future__ import annotations

import logging

from telegram.ext import Application

from core.roles import Role
from handlers.context import app_services
from handlers.i18n import translator
from handlers.outbox import drain
from services.notices import Notice
from storage.outbox import Message

log = logging.getLogger("tipline.anchor")


def head_text(day: str, entries: int, head: str, lang: str) -> str:
    _ = translator(lang)
    text = _.ngettext(
        "Audit log {date}: {count} entry, newest hash {hash} (note it down; to check the log against it: "
        "python -m bot audit verify --head HASH)",
        "Audit log {date}: {count} entries, newest hash {hash} (note it down; to check the log against it: "
        "python -m bot audit verify --head HASH)",
        entries,
    )
    return text.format(date=day, count=entries, hash=head)


async def send_audit_head(app: Application) -> int:
    """Queue today's head for every auditor and admin not told today; returns how many were queued."""
    services = app_services(app)
    entries, head = await services.audit.head()
    if not entries:
        return 0
    day = f"{services.clock():%Y-%m-%d}"
    people = {m.user_id for role in (Role.AUDITOR, Role.ADMIN) for m in await services.staff.with_role(role)}
    text = head_text(day, entries, head, services.language)
    notices = [Notice(f"audit-head:{day}@{user_id}", Message(user_id, text)) for user_id in sorted(people)]
    rows = await services.notices.queue("audit head", notices, services.clock().date())
    queued = sum(row is not None for row in rows)
    log.info("audit head of %s: %d entries, sent to %d people", day, entries, queued)
    if queued:
        await drain(app)
    return queued
