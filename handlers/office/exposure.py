"""曝光 on the office's public channel: the admins' decision on a draft (four eyes), publishing it, and
withdrawing it, as buttons (`xp:`); /exposure's list is handlers.office.exposure_list.

A draft reaches the admins other than its drafter without its text (the enterprise's name is sealed at
rest): a press asks the admin's code and shows the post word for word, then Approve or Refuse is
confirmed. Approved, the bot claims the post (so a second press posts nothing) and posts it at once; a
channel that refuses it (the bot is not an admin there, a wrong id, Telegram down) is named to the
admin, and the post is approved again, not counted, with buttons to publish it again or take it back.
A published post is withdrawn by deleting it from the channel, or (Telegram lets a bot delete only
recent posts) by replacing its text with a withdrawal notice, or, the bot being out of the channel,
by an admin who deleted it by hand. The reporter of an exposed tip is told nothing
(docs/DOMAIN.md section 7.7)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from core.exposure import KIND_BY_CODE, ExposureKind
from core.periods import month_label
from core.roles import Role, StaffMember
from handlers.callbacks import ExposureButton, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import N_, Translate, translator
from handlers.office.access import refuse, role_refusal, staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.sensitive import NO_PREVIEW, send_text
from handlers.office.stepup import needs_code
from services.exposure import ExposureError
from storage.exposures import Exposure

log = logging.getLogger("tipline.exposure")

#: What an admin is told when the channel refuses a post, by the failure's short code.
CHANNEL_PROBLEMS = {
    "forbidden": N_("The bot may not post in the channel {channel}: add it to the channel as an administrator "
                    "allowed to post and delete messages, then press “Publish again”."),
    "not_found": N_("There is no channel {channel} that the bot can see: check [exposure] channel_id in the "
                    "office's configuration file (and that the bot was added to the channel)."),
    "other": N_("Telegram did not take the post for the channel {channel} just now. Please press “Publish again” "
                "in a few minutes."),
}  # fmt: skip
#: The presses only an admin makes; the drafter (an intake officer) may take back their own pending draft.
ADMIN_ONLY = frozenset({"yes", "no", "back", "pub", "del", "manual", "restore"})
#: The question before each confirmed step (besides a decision's), by the button's `what`.
QUESTIONS = {
    "del": N_("Withdraw {what}? It is deleted from the channel."),
    "cancel": N_("Take back {what}? It will not be published; the report (or month) may be drafted again."),
    "manual": N_("Record {what} as withdrawn? Do this only once you have deleted it in the channel yourself."),
    "restore": N_("Set {what} back to approved? Do this only once you have checked that it is not in the "
                  "channel (delete it there if it is); then publish it again."),
}  # fmt: skip


def what_it_is(exposure: Exposure, lang: str, _: Translate) -> str:
    """The post named without its content: its kind and the report (or month) it is about."""
    if exposure.kind == ExposureKind.MONTHLY:
        return _("the statistics post for {month}").format(month=month_label(exposure.period, lang))
    return _("a post “{kind}” from report {number}").format(
        kind=KIND_BY_CODE[exposure.kind].label(lang), number=exposure.number
    )


def decision_buttons(exposure_id: int, _: Translate) -> InlineKeyboardMarkup:
    return keyboard([[
        (_("Approve"), ExposureButton(what="yes", exposure_id=exposure_id)),
        (_("Refuse"), ExposureButton(what="no", exposure_id=exposure_id)),
    ]])  # fmt: skip


async def ask_admins(context: Context, exposure_id: int) -> int:
    """Send the draft to every admin but its drafter (to the drafter only if no other admin exists);
    returns how many got it."""
    svc = context.services
    exposure = await svc.exposure.get(exposure_id)
    drafter = await svc.staff.get(exposure.drafted_by)
    lang = svc.language
    _ = translator(lang)
    text = _("📢 {name} drafted {what} for the office's channel. Press a button to read it before you decide.")
    text = text.format(name=drafter.name if drafter else "—", what=what_it_is(exposure, lang, _))
    admins = await svc.staff.with_role(Role.ADMIN)
    others = [a for a in admins if a.user_id != exposure.drafted_by]
    sent = 0
    for admin in others or admins:
        sent += await send_to_staff(context.application, admin.user_id, text, decision_buttons(exposure_id, _),
                                    "exposure draft to an admin")  # fmt: skip
    log.info("exposure draft %s sent to %s admins", exposure_id, sent)
    return sent


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def exposure_button(update: Update, context: Context, member: StaffMember) -> None:
    """xp:<yes|no>:<id> shows the post and asks to confirm, xp:ok:<yes|no>:<id> decides (and publishes);
    xp:back:<id> shows the draft again; xp:pub:<id> publishes an approved post (again); xp:<del|cancel|
    manual|restore>:<id> asks to confirm, xp:ok:…:<id> does it; xp:keep:<id> leaves the post as it is."""
    query = update.callback_query
    button = ExposureButton.parse(query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    if button.what in ADMIN_ONLY and not member.has(Role.ADMIN):
        await refuse(update, context, role_refusal(update, context, member, (Role.ADMIN,)))
        return
    await query.answer()
    svc = context.services
    _ = context.tr
    try:
        if button.what in ("yes", "no", "back"):
            await _decision(update, context, member, button)
        elif button.what == "pub":
            await publish(context, button.exposure_id, member)
        elif button.what == "keep":
            await update.effective_message.reply_text(_("Nothing changed."))
        elif not button.ok:
            await _ask(update, context, button, await svc.exposure.get(button.exposure_id))
        else:
            await _confirmed(update, context, member, button)
    except ExposureError as error:
        await update.effective_message.reply_text(_refusal(error, _))


def _refusal(error: ExposureError, _: Translate) -> str:
    if error.reason == "self":
        return _("You drafted this post yourself: another admin must decide it.")
    if error.reason == "moved":
        return _("The report changed since the draft (reopened, merged, or its verification result corrected): "
                 "the draft is void and nothing was published. Draft it again from the report's card.")  # fmt: skip
    return _("This post was already decided, published or withdrawn: see /exposure.")


async def _decision(update: Update, context: Context, member: StaffMember, button: ExposureButton) -> None:
    svc = context.services
    _ = context.tr
    exposure = await svc.exposure.decidable(button.exposure_id, member.user_id)
    if button.what == "back":
        await show_post(context, update.effective_chat.id, exposure, decision_buttons(exposure.id, _))
    elif not button.ok:
        approve = button.what == "yes"
        question = _("Approve this post? The bot publishes it in the channel at once.") if approve else _(
            "Refuse this post? It will not be published.")  # fmt: skip
        back = ExposureButton(what="back", exposure_id=exposure.id)
        markup = confirm_markup(ExposureButton(ok=True, what=button.what, exposure_id=exposure.id), back, _)
        await show_post(context, update.effective_chat.id, exposure, markup, question)
    else:
        approve = button.what == "yes"
        exposure = await svc.exposure.decide(exposure.id, member.user_id, approve, context.now)
        await _tell_drafter(context, exposure, member, approved=approve)
        if approve:
            await publish(context, exposure.id, member)
        else:
            await update.effective_message.reply_text(_("Refused: {what} will not be published.").format(
                what=what_it_is(exposure, context.lang, _)))  # fmt: skip


async def show_post(context: Context, chat_id: int, exposure: Exposure, markup: InlineKeyboardMarkup,
                    question: str = "") -> None:  # fmt: skip
    """The post word for word (protected, and deleted after card_minutes like a card: the enterprise's
    name is sealed until published), with the question and buttons."""
    _ = context.tr
    post = context.services.exposure.text(exposure, context.services.language)
    text = _("The post, as the channel will show it:") + "\n\n" + post + ("\n\n" + question if question else "")
    await send_text(context.application, chat_id, text, markup)


async def _tell_drafter(context: Context, exposure: Exposure, admin: StaffMember, *, approved: bool) -> None:
    if exposure.drafted_by == admin.user_id:
        return
    _ = translator(context.services.language)
    what = what_it_is(exposure, context.services.language, _)
    text = (_("Your draft ({what}) was approved by {name}.") if approved
            else _("Your draft ({what}) was refused by {name}.")).format(what=what, name=admin.name)  # fmt: skip
    await send_to_staff(context.application, exposure.drafted_by, text, None, "exposure decision to the drafter")


async def publish(context: Context, exposure_id: int, admin: StaffMember) -> bool:
    """Claim an approved post, post it in the channel and record it; a refusal is named to the admin
    (the post is approved again, with buttons to publish again or take it back). Whether it was published."""
    svc = context.services
    _ = translator(svc.language)
    exposure = await svc.exposure.claim(exposure_id, admin.user_id, context.now)  # ExposureError: nothing posted
    channel = svc.exposure.channel
    try:
        if channel is None:
            raise BadRequest("Chat not found")  # the channel was unset since the draft: as a wrong id
        message = await context.bot.send_message(channel, svc.exposure.text(exposure, svc.language),
                                                 link_preview_options=NO_PREVIEW)  # fmt: skip
    except TelegramError as exc:
        reason = _channel_problem(exc)
        await svc.exposure.failed(exposure.id, admin.user_id, reason, context.now)
        log.warning("exposure %s not published: %s", exposure.id, reason)
        buttons = keyboard([[(_("📤 Publish again"), ExposureButton(what="pub", exposure_id=exposure.id)),
                             (_("✖ Take back"), ExposureButton(what="cancel", exposure_id=exposure.id))]])  # fmt: skip
        text = _("Approved, but not published: ") + _(CHANNEL_PROBLEMS[reason]).format(channel=channel or "—")
        await send_to_staff(context.application, admin.user_id, text, buttons, "exposure failure to the admin")
        return False
    await svc.exposure.published(exposure.id, admin.user_id, message.message_id, message.link, context.now)
    text = _("Published in the channel: {what}.").format(what=what_it_is(exposure, svc.language, _))
    withdraw = keyboard([[(_("🗑 Withdraw"), ExposureButton(what="del", exposure_id=exposure.id))]])
    await send_to_staff(context.application, admin.user_id, text + _link(message), withdraw, "exposure published")
    return True


def _link(message: Message) -> str:
    return f"\n{message.link}" if message.link else ""


def _channel_problem(exc: TelegramError) -> str:
    """A short code for why the channel refused (never Telegram's text in the audit)."""
    words = str(exc).lower()
    if isinstance(exc, Forbidden) or "rights" in words or "administrator" in words or "not a member" in words:
        return "forbidden"
    if isinstance(exc, BadRequest) and "not found" in words:
        return "not_found"
    return "other"


async def _ask(update: Update, context: Context, button: ExposureButton, exposure: Exposure | None) -> None:
    _ = context.tr
    if exposure is None:
        raise ExposureError("decided")
    question = _(QUESTIONS[button.what]).format(what=what_it_is(exposure, context.lang, _))
    markup = confirm_markup(ExposureButton(ok=True, what=button.what, exposure_id=exposure.id),
                            ExposureButton(what="keep", exposure_id=exposure.id), _)  # fmt: skip
    await update.effective_message.reply_text(question, reply_markup=markup)


async def _confirmed(update: Update, context: Context, member: StaffMember, button: ExposureButton) -> None:
    svc = context.services
    _ = context.tr
    at, exposure_id = context.now, button.exposure_id
    if button.what == "del":
        await withdraw(update, context, member, await svc.exposure.withdrawable(exposure_id))
        return
    if button.what == "manual":
        exposure = await svc.exposure.withdrawable(exposure_id)
        await svc.exposure.withdrawn(exposure_id, member.user_id, "manual", at)
        text = _("Recorded as withdrawn: {what}.")
    elif button.what == "restore":
        await svc.exposure.restore(exposure_id, member.user_id, at)
        exposure = await svc.exposure.get(exposure_id)
        text = _("{what} is approved again: press “Publish again” to post it.")
    else:
        exposure = await svc.exposure.cancel(exposure_id, member.user_id, member.has(Role.ADMIN), at)
        text = _("Taken back: {what} will not be published.")
    markup = None
    if button.what == "restore":
        markup = keyboard([[(_("📤 Publish again"), ExposureButton(what="pub", exposure_id=exposure_id))]])
    await update.effective_message.reply_text(text.format(what=what_it_is(exposure, context.lang, _)),
                                              reply_markup=markup)  # fmt: skip


async def withdraw(update: Update, context: Context, admin: StaffMember, exposure: Exposure) -> None:
    """Delete the post from the channel (a post gone already counts as deleted), or replace its text with
    a withdrawal notice where Telegram no longer lets the bot delete it; then record it. If the bot can do
    neither (it is out of the channel), the admin may delete it by hand and record that."""
    svc = context.services
    _ = context.tr
    how: str | None = "deleted"
    try:
        await context.bot.delete_message(exposure.channel, exposure.message_id)
    except BadRequest as exc:
        if "not found" not in str(exc).lower():
            how = await _replace(context, exposure)
    except TelegramError:
        how = None
    what = what_it_is(exposure, context.lang, _)
    if how is None:
        by_hand = ExposureButton(what="manual", exposure_id=exposure.id)
        manual = keyboard([[(_("I deleted it myself: record it"), by_hand)]])
        await update.effective_message.reply_text(_(
            "The bot could not delete {what} from the channel or change it (is it still an administrator "
            "there?). Nothing was recorded: delete it in the channel yourself, then record it here.").format(
            what=what), reply_markup=manual)  # fmt: skip
        return
    await svc.exposure.withdrawn(exposure.id, admin.user_id, how, context.now)
    text = (
        _("Withdrawn: {what}.")
        if how == "deleted"
        else _("Withdrawn: {what}. Telegram no longer lets the bot delete it, so its text now says it was withdrawn.")
    )
    await update.effective_message.reply_text(text.format(what=what))


async def _replace(context: Context, exposure: Exposure) -> str | None:
    _ = translator(context.services.language)  # the channel's language: the office's
    try:
        notice = _("This post was withdrawn by the office.")
        await context.bot.edit_message_text(notice, chat_id=exposure.channel, message_id=exposure.message_id)
    except TelegramError:
        return None
    return "edited"
