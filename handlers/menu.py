"""/start, the main menu, /help, /language, /cancel, and the polite answers to anything else."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from core.roles import StaffMember
from handlers.callbacks import LanguageButton, MenuButton, button_expired, keyboard
from handlers.context import Context
from handlers.i18n import N_, translator
from handlers.office.commands import ensure_menu, entry_rows, staff_help

MENU_ITEMS = (
    (MenuButton(item="report"), N_("📝 Report a problem")),
    (MenuButton(item="check"), N_("🔎 Check a report")),
    (MenuButton(item="liaison"), N_("🏘 I am a liaison")),
    (MenuButton(item="help"), N_("❓ Help")),
    (MenuButton(item="lang"), N_("🌐 Language")),
)
LANGUAGE_BUTTONS = ((LanguageButton(lang="zh"), "中文"), (LanguageButton(lang="en"), "English"))


def menu_keyboard(context: Context) -> InlineKeyboardMarkup:
    return keyboard(_menu_rows(context))


def _menu_rows(context: Context) -> list[list[tuple[str, MenuButton]]]:
    _ = context.tr
    return [[(_(label), data)] for data, label in MENU_ITEMS]


async def _staff_member(update: Update, context: Context) -> StaffMember | None:
    """The staff member using the bot, for their part of /start and /help; None for anyone else."""
    if update.effective_user is None:
        return None
    return await context.services.staff.get(update.effective_user.id)


async def home_keyboard(update: Update, context: Context) -> InlineKeyboardMarkup:
    """The menu, and below it the office's entries that the person's roles allow."""
    member = await _staff_member(update, context)
    if member is None:
        return menu_keyboard(context)
    await ensure_menu(context.application, member)
    return keyboard([*_menu_rows(context), *entry_rows(member, context.tr)])


async def full_help(update: Update, context: Context) -> str:
    """The reporter's help; for staff, their commands after it."""
    member = await _staff_member(update, context)
    if member is None:
        return help_text(context)
    office = staff_help(member, context.lang, context.bot.username)
    return help_text(context) + "\n\n" + office


def welcome_text(context: Context) -> str:
    _ = context.tr
    name = context.services.office.label(context.lang)
    return _(
        "Welcome to {office}.\n\n"
        "Here you can report work-safety hazards, illegal production and concealed accidents, "
        "anonymously if you wish. You get a tip number and a secret receipt code to follow your report.\n\n"
        "If someone is in danger right now, call 119 (fire), 110 (police) or 120 (ambulance) first.\n\n"
        "Choose below:"
    ).format(office=name)


def help_text(context: Context) -> str:
    _ = context.tr
    return _(
        "How this bot works:\n\n"
        "📝 Report a problem: tell the office about a hazard, illegal production or a concealed accident. "
        "You may stay anonymous. At the end you get a tip number and a receipt code: write them down.\n\n"
        "🔎 Check a report: with the tip number and receipt code, see what the office has done, answer its "
        "questions, add evidence, and claim a reward.\n\n"
        "🏘 I am a liaison: for the liaison (联络员) of a village or department, to register and send the "
        "monthly figures.\n\n"
        "🌐 Language: 中文 or English.\n\n"
        "Commands: /start shows the menu, /help this text, /about who runs this bot and what is stored, "
        "/language switches the language, /cancel leaves whatever you are doing.\n\n"
        "You can also report by phone on the 12350 work-safety hotline."
    )


async def start(update: Update, context: Context) -> None:
    if context.args and context.args[0].startswith("tip_"):
        from handlers.office.inbox import open_from_link  # the office's layer sits beside this one

        if await open_from_link(update, context, context.args[0]):
            return
    await update.effective_message.reply_text(welcome_text(context), reply_markup=await home_keyboard(update, context))


async def help_command(update: Update, context: Context) -> None:
    await update.effective_message.reply_text(await full_help(update, context), reply_markup=menu_keyboard(context))


def language_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[(label, data) for data, label in LANGUAGE_BUTTONS]])


async def language_command(update: Update, context: Context) -> None:
    _ = context.tr
    await update.effective_message.reply_text(_("Choose your language:"), reply_markup=language_keyboard())


async def on_language(update: Update, context: Context) -> None:
    query = update.callback_query
    lang = LanguageButton.parse(query.data).lang  # its pattern lets no other data in
    context.chat_data["lang"] = lang
    _ = translator(lang)
    await query.answer()
    await query.edit_message_text(_("Language set to English."))
    await query.message.reply_text(welcome_text(context), reply_markup=await home_keyboard(update, context))


async def on_menu(update: Update, context: Context) -> None:
    query = update.callback_query
    await query.answer()
    if MenuButton.parse(query.data) == MenuButton(item="help"):
        await query.message.reply_text(await full_help(update, context), reply_markup=menu_keyboard(context))
    else:
        _ = context.tr
        await query.message.reply_text(_("Choose your language:"), reply_markup=language_keyboard())


async def cancel(update: Update, context: Context) -> None:
    """/cancel with no conversation under way."""
    _ = context.tr
    await update.effective_message.reply_text(
        _("There is nothing to cancel. Choose below:"), reply_markup=menu_keyboard(context)
    )


async def cancel_conversation(update: Update, context: Context) -> int:
    """/cancel inside a conversation that keeps nothing of its own: end it, show the menu."""
    _ = context.tr
    await update.effective_message.reply_text(
        _("Cancelled. What you entered has been discarded."), reply_markup=menu_keyboard(context)
    )
    return ConversationHandler.END


async def stale_button(update: Update, context: Context) -> None:
    """A button the bot does not (or no longer) know: an old message, or a forged press."""
    _ = context.tr
    await button_expired(update, context)
    await update.effective_message.reply_text(
        _("That button has expired. Choose below:"), reply_markup=menu_keyboard(context)
    )


async def unknown_message(update: Update, context: Context) -> None:
    """Anything else in a private chat: a sticker, a photo, stray text."""
    _ = context.tr
    await update.effective_message.reply_text(
        _("I did not understand that. Please use the menu below, or send /help."),
        reply_markup=menu_keyboard(context),
    )
