"""The office's buttons on /start (`office:inbox`…): a press does what the command does, and like the
command checks the presser's role first (its `staff_only`), so a forged or stale press is refused. A
press outside a private chat never gets here (handlers.office.access.private_chats_only)."""

from __future__ import annotations

import logging

from telegram import Update

from handlers.callbacks import OfficeButton, exactly
from handlers.context import Context
from handlers.liaison import monthly, quarter_view, units
from handlers.office import exposure_list, inbox, passphrase, rewards, staff_admin, stats, totp
from handlers.office.commands import BY_NAME

log = logging.getLogger("tipline.entries")

HANDLERS = {
    "inbox": inbox.inbox,
    "staff": staff_admin.staff_panel,
    "stats": stats.stats,
    "rewards": rewards.rewards_command,
    "monthly": monthly.monthly_command,
    "quarter": quarter_view.quarter_command,
    "exposure": exposure_list.exposure_command,
    "units": units.units_command,
    "totp": totp.totp_command,
    "passphrase": passphrase.passphrase_command,
    "lock": passphrase.lock_command,
}
PATTERN = exactly(*(OfficeButton(name=name) for name in HANDLERS))


async def on_entry(update: Update, context: Context) -> None:
    query = update.callback_query
    name = OfficeButton.parse(query.data).name  # PATTERN lets no other data in
    member = await context.services.staff.get(update.effective_user.id)
    if member is not None and BY_NAME[name].allowed(member):
        await query.answer()
    else:
        log.info("office entry %s pressed by a user without the role", name)
    context.args = []  # as the bare command: this year, this month, this quarter
    await HANDLERS[name](update, context)  # which checks the role again, and refuses with its own words
