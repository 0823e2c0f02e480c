"""曝光 on the office's public channel: the admins' decision on a draft (four eyes), publishing it, and
withdrawing it; /exposure lists the posts and drafts the month's statistics post.

A draft reaches the admins other than its drafter without its text (the enterprise's name is sealed at
rest): a press asks the admin's code and shows the post word for word, then Approve or Refuse is
confirmed. Approved, the bot posts it at once; a channel that refuses it (the bot is not an admin
there, a wrong id, Telegram down) is named to the admin, and the post stays approved, not counted,
with a button to publish it again. A published post is withdrawn by deleting it from the channel, or
(Telegram lets a bot delete only recent posts) by replacing its text with a withdrawal notice. The
reporter of an exposed tip is told nothing (docs/DOMAIN.md section 7.7)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from core.exposure import KIND_BY_CODE, ExposureKind, ExposureState
from core.periods import month_days, month_label, parse_month, previous_month
from core.roles import Role, StaffMember
from handlers.callbacks import ExposureButton, ExposureMonth, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import N_, Translate, translator
from handlers.office.access import staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.sensitive import NO_PREVIEW, send_text
from handlers.office.stepup import needs_code
from services.exposure import ExposureError
from storage.exposures import Exposure

log = logging.getLogger("tipline.exposure")

#: What an admin is told when the channel refuses a post, by the failure's short code.
CHANNEL_PROBLEMS = {
    "forbidden": N_(
        "The bot may not post in the channel {channel}: add it to the channel as an administrator "
        "allowed to post and delete messages, then press “Publish again”."
    ),
    "not_found": N_(
        "There is no channel {channel} that the bot can see: check [exposure] channel_id in the "
        "office's configuration file (and that the bot was added to the channel)."
    ),
    "other": N_(
        "Telegram did not take the post for the channel {channel} just now. Please press “Publish again” "
        "in a few minutes."
    ),
}


def _what(exposure: Exposure, lang: str, _: Translate) -> str:
    """The post named without its content: its kind and the report (or month) it is about."""
    if exposure.kind == ExposureKind.MONTHLY:
        return _("the statistics post for {month}").format(month=month_label(exposure.period, lang))
    return _("a post “{kind}” from report {number}").format(
        kind=KIND_BY_CODE[exposure.kind].label(lang), number=exposure.number
    )


def _decision_buttons(exposure_id: int, _: Translate) -> InlineKeyboardMarkup:
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
    text = text.format(name=drafter.name if drafter else "—", what=_what(exposure, lang, _))
    admins = await svc.staff.with_role(Role.ADMIN)
    others = [a for a in admins if a.user_id != exposure.drafted_by]
    sent = 0
    for admin in others or admins:
        sent += await send_to_staff(context.application, admin.user_id, text, _decision_buttons(exposure_id, _),
                                    "exposure draft to an admin")  # fmt: skip
    log.info("exposure draft %s sent to %s admins", exposure_id, sent)
    return sent


@staff_only(Role.ADMIN)
@needs_code
async def exposure_button(update: Update, context: Context, member: StaffMember) -> None:
    """xp:<yes|no>:<id> shows the post and asks to confirm; xp:ok:<yes|no>:<id> decides (and publishes);
    xp:back:<id> shows the draft again; xp:pub:<id> publishes an approved post again; xp:del:<id> asks to
    withdraw a published post, xp:ok:del:<id> withdraws it, xp:keep:<id> leaves it."""
    query = update.callback_query
    button = ExposureButton.parse(query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    svc = context.services
    _ = context.tr
    try:
        if button.what == "keep":
            await update.effective_message.reply_text(_("The post stays published: nothing changed."))
        elif button.what in ("yes", "no", "back"):
            await _decision(update, context, member, button)
        elif button.what == "pub":
            await publish(context, await svc.exposure.publishable(button.exposure_id), member)
        elif button.ok:
            await withdraw(update, context, member, await svc.exposure.withdrawable(button.exposure_id))
        else:
            await _ask_withdraw(update, context, await svc.exposure.withdrawable(button.exposure_id))
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
        await _show(context, update.effective_chat.id, exposure, _decision_buttons(exposure.id, _))
    elif not button.ok:
        approve = button.what == "yes"
        question = _("Approve this post? The bot publishes it in the channel at once.") if approve else _(
            "Refuse this post? It will not be published.")  # fmt: skip
        back = ExposureButton(what="back", exposure_id=exposure.id)
        markup = confirm_markup(ExposureButton(ok=True, what=button.what, exposure_id=exposure.id), back, _)
        await _show(context, update.effective_chat.id, exposure, markup, question)
    else:
        approve = button.what == "yes"
        exposure = await svc.exposure.decide(exposure.id, member.user_id, approve, context.now)
        await _tell_drafter(context, exposure, member, approved=approve)
        if approve:
            await publish(context, exposure, member)
        else:
            await update.effective_message.reply_text(_("Refused: {what} will not be published.").format(
                what=_what(exposure, context.lang, _)))  # fmt: skip


async def _show(context: Context, chat_id: int, exposure: Exposure, markup: InlineKeyboardMarkup,
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
    what = _what(exposure, context.services.language, _)
    text = (_("Your draft ({what}) was approved by {name}.") if approved
            else _("Your draft ({what}) was refused by {name}.")).format(what=what, name=admin.name)  # fmt: skip
    await send_to_staff(context.application, exposure.drafted_by, text, None, "exposure decision to the drafter")


async def publish(context: Context, exposure: Exposure, admin: StaffMember) -> bool:
    """Post an approved post in the channel and record it; a refusal is named to the admin (the post
    stays approved, with a button to publish again). Whether it was published."""
    svc = context.services
    _ = translator(svc.language)
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
        again = keyboard([[(_("📤 Publish again"), ExposureButton(what="pub", exposure_id=exposure.id))]])
        text = _("Approved, but not published: ") + _(CHANNEL_PROBLEMS[reason]).format(channel=channel or "—")
        await send_to_staff(context.application, admin.user_id, text, again, "exposure failure to the admin")
        return False
    await svc.exposure.published(exposure.id, admin.user_id, message.message_id, message.link, context.now)
    text = _("Published in the channel: {what}.").format(what=_what(exposure, svc.language, _))
    withdraw_button = keyboard([[(_("🗑 Withdraw"), ExposureButton(what="del", exposure_id=exposure.id))]])
    await send_to_staff(context.application, admin.user_id, text + _link(message), withdraw_button,
                        "exposure published")  # fmt: skip
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


async def _ask_withdraw(update: Update, context: Context, exposure: Exposure) -> None:
    _ = context.tr
    question = _("Withdraw {what}? It is deleted from the channel and no longer counted.").format(
        what=_what(exposure, context.lang, _)
    )
    markup = confirm_markup(ExposureButton(ok=True, what="del", exposure_id=exposure.id),
                            ExposureButton(what="keep", exposure_id=exposure.id), _)  # fmt: skip
    await update.effective_message.reply_text(question, reply_markup=markup)


async def withdraw(update: Update, context: Context, admin: StaffMember, exposure: Exposure) -> None:
    """Delete the post from the channel (a post gone already counts as deleted), or replace its text with
    a withdrawal notice where Telegram no longer lets the bot delete it; then record it."""
    svc = context.services
    _ = context.tr
    channel = exposure.channel
    how = "deleted"
    try:
        await context.bot.delete_message(channel, exposure.message_id)
    except BadRequest as exc:
        if "not found" not in str(exc).lower():
            how = await _replace(context, exposure)
    except TelegramError:
        how = None
    if how is None:
        await update.effective_message.reply_text(_(
            "The bot could not delete the post from the channel or change it. Nothing was recorded: delete "
            "it in the channel yourself, then press “Withdraw” again."))  # fmt: skip
        return
    await svc.exposure.withdrawn(exposure.id, admin.user_id, how, context.now)
    text = (
        _("Withdrawn: {what}. It no longer counts.")
        if how == "deleted"
        else _("Withdrawn: {what}. Telegram no longer lets the bot delete it, so its text now says it was withdrawn.")
    )
    await update.effective_message.reply_text(text.format(what=_what(exposure, context.lang, _)))


async def _replace(context: Context, exposure: Exposure) -> str | None:
    _ = translator(context.services.language)  # the channel's language: the office's
    try:
        notice = _("This post was withdrawn by the office.")
        await context.bot.edit_message_text(notice, chat_id=exposure.channel, message_id=exposure.message_id)
    except TelegramError:
        return None
    return "edited"


# -- /exposure --------------------------------------------------------------------------------------

LISTED = (ExposureState.PENDING, ExposureState.APPROVED, ExposureState.PUBLISHED)


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def exposure_command(update: Update, context: Context, member: StaffMember) -> None:
    """/exposure [2026-10]: the posts waiting, approved but not published, and published (the admin's
    buttons to publish again or withdraw), and a button to draft the statistics post of the month (the
    last month, or the one given)."""
    svc = context.services
    _ = context.tr
    message = update.effective_message
    if svc.exposure.channel is None:
        await message.reply_text(_("The office has no public channel: an admin sets [exposure] channel_id in the "
                                   "office's configuration file, then restarts the bot."))  # fmt: skip
        return
    period = context.args[0] if context.args else previous_month(context.today)
    if parse_month(period) is None:
        await message.reply_text(_("Please give the month like this: /exposure 2026-10"))
        return
    rows, lines = [], [_("📢 Posts for the channel {channel}:").format(channel=svc.exposure.channel)]
    for exposure in await svc.exposure.listed(*LISTED):
        lines.append(_line(exposure, context.lang, _))
        button = _admin_button(exposure, member, _)
        if button is not None:
            rows.append([button])
    if len(lines) == 1:
        lines.append(_("No post yet."))
    rows.append([(_("📊 Draft the statistics post for {month}").format(month=month_label(period, context.lang)),
                  ExposureMonth(period=period))])  # fmt: skip
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


def _line(exposure: Exposure, lang: str, _: Translate) -> str:
    state = {
        ExposureState.PENDING: _("waiting for an admin"),
        ExposureState.APPROVED: _("approved, not published"),
        ExposureState.PUBLISHED: _("published {date}"),
    }[exposure.state].format(date=f"{exposure.published_on}")
    link = f" {exposure.link}" if exposure.link else ""
    return f"• {_what(exposure, lang, _)}: {state}{link}"


def _admin_button(exposure: Exposure, member: StaffMember, _: Translate) -> tuple[str, ExposureButton] | None:
    if not member.has(Role.ADMIN):
        return None
    if exposure.state == ExposureState.APPROVED:
        return _("📤 Publish again: #{id}").format(id=exposure.id), ExposureButton(what="pub", exposure_id=exposure.id)
    if exposure.state == ExposureState.PUBLISHED:
        return _("🗑 Withdraw: #{id}").format(id=exposure.id), ExposureButton(what="del", exposure_id=exposure.id)
    return None


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def month_button(update: Update, context: Context, member: StaffMember) -> None:
    """xpm:<period> shows the month's statistics post and asks to send it to the admins; xpm:ok:<period>
    keeps the draft and sends it."""
    query = update.callback_query
    button = ExposureMonth.parse(query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    svc = context.services
    _ = context.tr
    first, last = month_days(button.period)
    records = await svc.ledger.records(first, last)
    paid = [(r.paid_on, r.paid_fen) for r in await svc.rewards.touching(first, last) if r.paid_on is not None]
    if not button.ok:
        post = svc.exposure.month_preview(button.period, records, paid, svc.language)
        markup = confirm_markup(ExposureMonth(ok=True, period=button.period), ExposureMonth(period=button.period), _)
        text = _("The post, as the channel will show it:") + "\n\n" + post + "\n\n" + _(
            "Send this draft to the admins for approval?")  # fmt: skip
        await update.effective_message.reply_text(text, reply_markup=markup)
        return
    try:
        exposure_id = await svc.exposure.draft_month(button.period, member.user_id, context.now, records, paid)
    except ExposureError as error:
        text = {
            "standing": _("A statistics post for this month is already waiting or published: see /exposure."),
            "empty": _("There is nothing to report for this month: no tip received and no reward paid."),
        }.get(error.reason, _("The office has no public channel."))
        await update.effective_message.reply_text(text)
        return
    sent = await ask_admins(context, exposure_id)
    await update.effective_message.reply_text(
        _("The draft went to the admins: one of them approves it before it is published.") if sent
        else _("The draft is kept, but no admin could be told: ask an admin to open /exposure."))  # fmt: skip
