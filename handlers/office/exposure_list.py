"""/exposure [2026-10] (admin and intake officers): every post not yet published (waiting for an admin,
approved, or a publishing a restart interrupted) with its buttons, the published ones newest first
(`PAGE` at a time), and a button to draft the statistics post of a month (the last one, or the one
given). What each button does is handlers.office.exposure."""

from __future__ import annotations

from datetime import date

from telegram import Update

from core.exposure import ExposureState
from core.periods import month_days, month_label, parse_month, previous_month
from core.roles import Role, StaffMember
from handlers.callbacks import ExposureButton, ExposureList, ExposureMonth, button_expired, confirm_markup, keyboard
from handlers.context import Context
from handlers.i18n import Translate
from handlers.office.access import staff_only
from handlers.office.exposure import ask_admins, what_it_is
from handlers.office.stepup import needs_code
from services.exposure import ExposureError
from storage.exposures import Exposure

#: Published posts shown a page at a time.
PAGE = 10
OPEN = (ExposureState.PENDING, ExposureState.APPROVED, ExposureState.PUBLISHING)


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def exposure_command(update: Update, context: Context, member: StaffMember) -> None:
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
    lines, rows = [_("📢 Posts for the channel {channel}:").format(channel=svc.exposure.channel)], []
    for exposure in await svc.exposure.listed(*OPEN):
        lines.append(_line(exposure, context.lang, _))
        rows += _buttons(exposure, member, _)
    published, more = await _published_page(context, 0)
    for exposure in published:
        lines.append(_line(exposure, context.lang, _))
        rows += _buttons(exposure, member, _)
    if len(lines) == 1:
        lines.append(_("No post yet."))
    if more:
        rows.append([(_("Older posts ▸"), ExposureList(offset=PAGE))])
    rows.append([(_("📊 Draft the statistics post for {month}").format(month=month_label(period, context.lang)),
                  ExposureMonth(period=period))])  # fmt: skip
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def _published_page(context: Context, offset: int) -> tuple[list[Exposure], bool]:
    """A page of published posts from `offset`, and whether older ones follow."""
    svc = context.services
    page = await svc.exposure.listed(ExposureState.PUBLISHED, limit=PAGE, offset=offset)
    return page, await svc.exposure.count(ExposureState.PUBLISHED) > offset + PAGE


@staff_only(Role.ADMIN, Role.INTAKE)
@needs_code
async def older_button(update: Update, context: Context, member: StaffMember) -> None:
    """xpl:<offset>: the next page of published posts, with their buttons."""
    query = update.callback_query
    button = ExposureList.parse(query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await query.answer()
    _ = context.tr
    page, more = await _published_page(context, button.offset)
    lines = [_line(e, context.lang, _) for e in page] or [_("No older post.")]
    rows = [row for e in page for row in _buttons(e, member, _)]
    if more:
        rows.append([(_("Older posts ▸"), ExposureList(offset=button.offset + PAGE))])
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(rows) if rows else None)


def _line(exposure: Exposure, lang: str, _: Translate) -> str:
    state = {
        ExposureState.PENDING: _("waiting for an admin"),
        ExposureState.APPROVED: _("approved, not published"),
        ExposureState.PUBLISHING: _("publishing was interrupted: check the channel"),
        ExposureState.PUBLISHED: _("published {date}"),
    }[exposure.state].format(date=f"{exposure.published_on}")
    link = f" {exposure.link}" if exposure.link else ""
    return f"• #{exposure.id} {what_it_is(exposure, lang, _)}: {state}{link}"


def _buttons(exposure: Exposure, member: StaffMember, _: Translate) -> list[list[tuple[str, ExposureButton]]]:
    """The presses this person may make on the post: an admin decides, publishes, restores, withdraws;
    the drafter may take back their own pending draft."""
    eid, state, admin = exposure.id, exposure.state, member.has(Role.ADMIN)
    row: list[tuple[str, ExposureButton]] = []
    if state == ExposureState.PENDING and admin and member.user_id != exposure.drafted_by:
        row.append((_("Read and decide #{id}").format(id=eid), ExposureButton(what="back", exposure_id=eid)))
    if state == ExposureState.APPROVED and admin:
        row.append((_("📤 Publish again: #{id}").format(id=eid), ExposureButton(what="pub", exposure_id=eid)))
    if state == ExposureState.PUBLISHING and admin:
        row.append((_("↩ Not in the channel: #{id}").format(id=eid), ExposureButton(what="restore", exposure_id=eid)))
    if state == ExposureState.PUBLISHED and admin:
        row.append((_("🗑 Withdraw: #{id}").format(id=eid), ExposureButton(what="del", exposure_id=eid)))
    if (state == ExposureState.PENDING and (admin or member.user_id == exposure.drafted_by)) or (
        state == ExposureState.APPROVED and admin
    ):
        row.append((_("✖ Take back: #{id}").format(id=eid), ExposureButton(what="cancel", exposure_id=eid)))
    return [row] if row else []


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
    records, paid = await _month_read(context, button.period)
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


async def _month_read(context: Context, period: str) -> tuple[list, list[tuple[date, int]]]:
    """The month's ledger lines and rewards paid (day, fen): what its statistics post counts."""
    svc = context.services
    first, last = month_days(period)
    records = await svc.ledger.records(first, last)
    paid = [(r.paid_on, r.paid_fen) for r in await svc.rewards.touching(first, last) if r.paid_on is not None]
    return records, paid
