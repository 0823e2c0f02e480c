"""Claiming a reward, inside "check a report" (the tip number and receipt code are the proof, so the
reporter may stay anonymous): the declaration on supervisory duty, then payment details (sealed,
seen only by the reward officer, deleted once paid) or collection in person with a one-time claim
code shown once."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from handlers.callbacks import CheckButton, ClaimButton, button_expired, keyboard
from handlers.check.session import check_keyboard, requires, say, show_view
from handlers.context import Context
from handlers.erase import delete_read
from handlers.i18n import Translate
from handlers.office.alerts import tell_reward_officers
from storage.casework import CaseError

log = logging.getLogger("tipline.claim")
DUTY, METHOD, PAYEE = "claim_duty", "claim_method", "claim_payee"
PAYEE_MIN, PAYEE_MAX = 6, 300


async def ask_duty(update: Update, context: Context) -> object:
    _ = context.tr
    text = _(
        "Before you claim: do you, or a close relative of yours, hold a work-safety supervisory duty "
        "(负有安全生产监督管理职责) over this matter? The rules give such persons no reward."
    )
    rows = [[(_("No, I do not"), "no")], [(_("Yes, I do"), "yes")]]
    await say(update, context, text, _claim_buttons(rows, context))
    return DUTY


def _claim_buttons(rows: list[list[tuple[str, str]]], context: Context):
    _ = context.tr
    claim_rows = [[(label, ClaimButton(choice=value)) for label, value in row] for row in rows]
    return keyboard([*claim_rows, [(_("Back"), CheckButton(action="refresh"))]])


@requires("claim")
async def on_choice(update: Update, context: Context, number: str) -> object:
    """claim:<no|yes|refuse|payee|person>"""
    button = ClaimButton.parse(update.callback_query.data)
    choice = button.choice if button is not None else None
    if choice is None or (choice == "person" and not in_person_offered(context)):
        await say(update, context, await button_expired(update, context))
        return None
    await update.callback_query.answer()
    _ = context.tr
    if choice == "no":
        await say(update, context, *_methods(context))
        return METHOD
    if choice == "yes":
        text = _("Then the reward cannot be paid, and the report stays as it is. Record that?")
        await say(update, context, text, _claim_buttons([[(_("Yes, record it"), "refuse")]], context))
        return DUTY
    if choice == "refuse":
        return await _claim(update, context, number, supervisory=True)
    if choice == "payee":
        text = _(
            "Type the payee's name and the account (bank and account number, or an Alipay or WeChat ID). "
            "For your safety, your message is deleted from this chat after reading."
        )
        await say(update, context, text, check_keyboard([(_("Back"), "refresh")]))
        return PAYEE
    return await _claim(update, context, number, method="in_person")  # "person", where it is offered


def in_person_offered(context: Context) -> bool:
    """Collection in person is offered only where the office named a place ([rewards] pickup_address):
    after the case is closed the bot can no longer write to the reporter, so "the office will tell
    you where" could never be kept."""
    return context.services.office.rewards.pickup_address is not None


def _methods(context: Context) -> tuple[str, InlineKeyboardMarkup]:
    """How the reward may be received: payment details, and in person where a place is configured."""
    _ = context.tr
    if not in_person_offered(context):
        text = _(
            "The reward is paid to an account: leave the payee's name and account. Only the reward officer sees "
            "them, and they are deleted once paid."
        )
        return text, _claim_buttons([[(_("Leave payment details"), "payee")]], context)
    rows = [[(_("Leave payment details"), "payee")], [(_("Collect in person with a claim code"), "person")]]
    text = _(
        "How do you want to receive it?\n\n• Payment details: the payee's name and account; only the reward "
        "officer sees them, and they are deleted once paid.\n• In person: you get a claim code now; bring it "
        "to the office."
    )
    return text + "\n\n" + pickup_text(context, _), _claim_buttons(rows, context)


async def on_payee(update: Update, context: Context) -> object:
    """Payment details are deleted from the chat first, whatever happens next (a timed-out check…)."""
    text = (update.message.text or "").strip()
    await delete_read(update.message, "payee details")
    return await _payee(update, context, text)


@requires("claim")
async def _payee(update: Update, context: Context, number: str, text: str = "") -> object:
    _ = context.tr
    if not PAYEE_MIN <= len(text) <= PAYEE_MAX:
        notice = _("Please give the name and the account, in {low} to {high} characters.").format(
            low=PAYEE_MIN, high=PAYEE_MAX
        )
        await say(update, context, notice, check_keyboard([(_("Back"), "refresh")]))
        return PAYEE
    return await _claim(update, context, number, method="payee", payee=text)


async def _claim(update: Update, context: Context, number: str, *, supervisory: bool = False,
                 method: str | None = None, payee: str | None = None) -> object:  # fmt: skip
    _ = context.tr
    try:
        code = await context.services.rewards.claim(
            number, context.now, supervisory=supervisory, method=method, payee=payee
        )
    except CaseError:
        return await show_view(update, context, _("That is not possible for this report now."))
    log.info("a reward claimed (%s)", "refused" if supervisory else method)
    if supervisory:
        return await show_view(update, context, _("Recorded: no reward will be paid for this report."))
    await tell_reward_officers(context.application, number)
    if code is None:
        return await show_view(update, context, _("Your claim is recorded. The office pays to the details you left."))
    notice = _(
        "Your claim code: {code}\n\nWrite it down now: it is shown only this once. Bring it to the office; "
        "the reward officer checks it, and it works one time only."
    ).format(code=f"{code[:4]} {code[4:]}")
    # Shown once: it cannot be forwarded or saved, and "I have written it down" deletes it.
    return await show_view(update, context, notice + "\n\n" + pickup_text(context, _), secret=True)


def pickup_text(context: Context, _: Translate) -> str:
    """Where and when to collect in person (the office's [rewards] pickup_address, pickup_hours; shown
    only where the address is configured); without hours, the office's working hours."""
    address, hours = context.services.office.rewards.pickup(context.lang)
    return _("Where to collect: {address}\nWhen: {hours}").format(address=address, hours=hours or _("office hours"))


async def on_payee_other(update: Update, context: Context) -> object:
    """A photo of a bank card, a voice note…: deleted too, and the details asked again as text."""
    await delete_read(update.message, "payee step")
    _ = context.tr
    notice = _("Please type the details as text; what you sent was deleted from this chat.")
    await say(update, context, notice, check_keyboard([(_("Back"), "refresh")]))
    return PAYEE


def states(buttons, text, tail, stray) -> dict[str, list]:
    """The claim's states, for the reporter's conversation (handlers.check.states)."""
    choices = CallbackQueryHandler(on_choice, pattern=ClaimButton.pattern)
    return {
        DUTY: [choices, buttons, *stray],
        METHOD: [choices, buttons, *stray],
        PAYEE: [buttons, MessageHandler(text, on_payee), MessageHandler(~filters.COMMAND, on_payee_other), *tail],
    }
