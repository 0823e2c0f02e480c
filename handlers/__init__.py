"""The Telegram conversation layer: thin handlers that parse, call core/storage, and render."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import erase, groups, menu, profile
from handlers.acting import act_as_sender
from handlers.callbacks import (
    ApprovalButton,
    CaseButton,
    ExposureButton,
    ExposureList,
    ExposureMonth,
    InboxButton,
    LanguageButton,
    MenuButton,
    MonthLock,
    PassphraseButton,
    RequestButton,
    RewardButton,
    StaffButton,
    TotpResetButton,
    UnitsButton,
    WrittenDown,
    exactly,
)
from handlers.context import Context
from handlers.errors import ask_to_retry, on_error
from handlers.i18n import LANGUAGES
from handlers.liaison import home, monthly, quarter_view, units
from handlers.office import (  # noqa: F401 - case_forms, exposure_form and reward_forms define forms
    approvals,
    case_forms,
    entries,
    exposure,
    exposure_form,
    exposure_list,
    inbox,
    passphrase,
    reward_forms,
    rewards,
    staff_admin,
    stats,
    stepup,
)
from handlers.office.access import private_chats_only
from handlers.office.totp import RESUME, totp_command
from handlers.office.totp import on_code as on_enrol_code
from handlers.office.totp_reset import decide as decide_totp_reset
from handlers.reporter import reporter_conversation
from handlers.writethrough import evict_after_update, write_through

#: After every update: write its chat's data, conversation states and id through at once, in one
#: transaction, so a crash loses nothing the user was told was kept (handlers.writethrough).
PERSIST_GROUP = 100
DEDUPE_GROUP = -100
#: Ahead of every handler: the keys of whoever sent the update (handlers.acting), and no one else's.
ACTING_GROUP = -60
#: Ahead of every handler: outside private chats, staff panels, codes and figures are never shown.
PRIVATE_GROUP = -50
#: Ahead of the conversations: a staff member asked for their authenticator code sends it, never input.
STEPUP_GROUP = -45
#: Ahead of the conversations: a staff member setting their passphrase sends it, never input.
PASSPHRASE_GROUP = -43
#: Ahead of the conversations: a staff member setting up their authenticator sends codes, never input.
ENROL_GROUP = -40
log = logging.getLogger("tipline.updates")


async def _write_through(update: Update, context: Context) -> None:
    """This update's chat, its conversation states and its id, in one transaction (handlers.writethrough)."""
    await write_through(update, context)


async def _skip_if_seen(update: Update, context: Context) -> None:
    """The same update delivered twice (Telegram retries after a crash) is handled once. And an update
    whose chat could not be loaded (bot.persistence: the database locked for a moment) is not handled
    at all: on the empty data python-telegram-bot would run it with, a reporter mid-report would be
    told the draft was deleted and the conversation would end. The person is asked to try again; the
    update is not marked handled, so a redelivery or the same step again goes through."""
    chat = update.effective_chat
    if chat is not None and not context.application.persistence.loaded(chat.id):
        log.warning("update %s put off: its chat could not be loaded", update.update_id)
        await ask_to_retry(update, context)
        evict_after_update(context.application, chat.id)  # the empty copy python-telegram-bot made
        raise ApplicationHandlerStop
    if await context.services.updates.seen(update.update_id):
        log.info("update %s delivered again: skipped", update.update_id)
        raise ApplicationHandlerStop


def register(app: Application, conversations: Sequence[BaseHandler] = ()) -> None:
    """Add every handler. Conversations come first, so their /cancel wins over the menu's."""
    app.add_handler(TypeHandler(Update, _skip_if_seen), group=DEDUPE_GROUP)
    app.add_handler(TypeHandler(Update, act_as_sender), group=ACTING_GROUP)
    app.add_handler(TypeHandler(Update, private_chats_only), group=PRIVATE_GROUP)
    app.add_handler(TypeHandler(Update, stepup.on_code), group=STEPUP_GROUP)
    app.bot_data[RESUME] = stepup.resume  # the set-up (handlers.office.totp) resumes the asked action
    app.add_handler(TypeHandler(Update, passphrase.on_entry), group=PASSPHRASE_GROUP)
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, on_enrol_code), group=ENROL_GROUP)
    # "I have written it down" works on its own message, inside a conversation or not, after a restart.
    app.add_handler(CallbackQueryHandler(erase.on_gone, pattern=exactly(WrittenDown())))
    for handler in (reporter_conversation(), *conversations):
        app.add_handler(handler)
    app.add_handler(CommandHandler("start", menu.start))
    app.add_handler(CommandHandler("help", menu.help_command))
    app.add_handler(CommandHandler("about", profile.about))
    app.add_handler(CommandHandler("language", menu.language_command))
    app.add_handler(CommandHandler("cancel", menu.cancel))
    app.add_handler(CommandHandler("join", staff_admin.join))
    app.add_handler(CommandHandler("staff", staff_admin.staff_panel))
    app.add_handler(CallbackQueryHandler(staff_admin.staff_button, pattern=StaffButton.pattern))
    app.add_handler(CommandHandler("totp", totp_command))
    app.add_handler(CommandHandler("passphrase", passphrase.passphrase_command))
    app.add_handler(CallbackQueryHandler(passphrase.forgot_button, pattern=PassphraseButton.pattern))
    app.add_handler(CommandHandler("lock", passphrase.lock_command))
    app.add_handler(CallbackQueryHandler(decide_totp_reset, pattern=TotpResetButton.pattern))
    app.add_handler(CommandHandler("inbox", inbox.inbox))
    app.add_handler(CommandHandler("stats", stats.stats))
    app.add_handler(CommandHandler("rewards", rewards.rewards_command))
    app.add_handler(CallbackQueryHandler(rewards.reward_button, pattern=RewardButton.pattern))
    app.add_handler(CallbackQueryHandler(rewards.admin_decision, pattern=ApprovalButton.pattern))
    app.add_handler(CallbackQueryHandler(inbox.inbox_button, pattern=InboxButton.pattern))
    app.add_handler(CallbackQueryHandler(inbox.case_button, pattern=CaseButton.pattern))
    app.add_handler(CallbackQueryHandler(approvals.decide, pattern=RequestButton.pattern))
    app.add_handler(CommandHandler("exposure", exposure_list.exposure_command))
    app.add_handler(CallbackQueryHandler(exposure.exposure_button, pattern=ExposureButton.pattern))
    app.add_handler(CallbackQueryHandler(exposure_list.month_button, pattern=ExposureMonth.pattern))
    app.add_handler(CallbackQueryHandler(exposure_list.older_button, pattern=ExposureList.pattern))
    app.add_handler(CommandHandler("units", units.units_command))
    app.add_handler(CallbackQueryHandler(units.units_button, pattern=UnitsButton.pattern))
    app.add_handler(CommandHandler("monthly", monthly.monthly_command))
    app.add_handler(CallbackQueryHandler(monthly.lock_button, pattern=MonthLock.pattern))
    app.add_handler(CommandHandler("quarter", quarter_view.quarter_command))
    app.add_handler(CallbackQueryHandler(home.on_liaison_button, pattern=exactly(MenuButton(item="liaison"))))
    app.add_handler(
        CallbackQueryHandler(menu.on_menu, pattern=exactly(MenuButton(item="help"), MenuButton(item="lang")))
    )
    app.add_handler(
        CallbackQueryHandler(menu.on_language, pattern=exactly(*(LanguageButton(lang=x) for x in LANGUAGES)))
    )
    app.add_handler(CommandHandler("chatid", groups.chatid))
    app.add_handler(ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.on_migrate))
    app.add_handler(CallbackQueryHandler(entries.on_entry, pattern=entries.PATTERN))
    app.add_handler(CallbackQueryHandler(menu.stale_button))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, menu.unknown_message))
    app.add_handler(TypeHandler(Update, _write_through), group=PERSIST_GROUP)
    app.add_error_handler(on_error)
