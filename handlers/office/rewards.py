"""The reward officer's side: /rewards (what to decide, to approve, to pay), the reward card with
the tip's facts and verification but never its content, payee details (each view audited), and
the admin's approval of amounts above the threshold."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update

from core import taxonomy
from core.money import format_yuan
from core.rewards import Reward, RewardState
from core.roles import Role, StaffMember
from handlers.callbacks import (
    ApprovalButton,
    FormButton,
    RewardButton,
    button_expired,
    confirm_markup,
    in_rows,
    keyboard,
)
from handlers.context import Context
from handlers.i18n import Translate, colon, translator
from handlers.notify import notify_reporter
from handlers.office import sensitive
from handlers.office.access import refuse, staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.stepup import needs_code
from handlers.office.views import verification_lines
from storage.casework import CaseError

log = logging.getLogger("tipline.rewards")


def reward_lines(reward: Reward, lang: str, _: Translate) -> list[str]:
    lines = [_("Reward: {state}").format(state=reward.state.label(lang))]
    if reward.state == RewardState.REFUSED:
        lines.append(_("Why: {reason}").format(reason=reward.refusal.label(lang) if reward.refusal else "—"))
    else:
        lines.append(_("Amount: {amount}").format(amount=format_yuan(reward.amount_fen)))
    lines.append(_("Rule: {rule}; {explanation}").format(rule=reward.rule_set, explanation=reward.explanation))
    if reward.amount_fen != reward.suggested_fen and reward.state != RewardState.REFUSED:
        lines.append(_("Suggested: {amount} (changed, with a reason on file)").format(
            amount=format_yuan(reward.suggested_fen)))  # fmt: skip
    if reward.claim_due:
        lines.append(_("Claim by: {date}").format(date=f"{reward.claim_due:%Y-%m-%d}"))
    if reward.claim_method:
        how = reward.claim_method.label(lang)
        lines.append(_("Claimed on {date}: {how}").format(date=f"{reward.claimed_on:%Y-%m-%d}", how=how))
    if reward.paid_on:
        method = reward.paid_method.label(lang) if reward.paid_method else ""
        lines.append(_("Paid {amount} on {date} ({method}, reference {ref})").format(
            amount=format_yuan(reward.paid_fen), date=f"{reward.paid_on:%Y-%m-%d}", method=method,
            ref=reward.paid_ref))  # fmt: skip
    return lines


@staff_only(Role.REWARD)
async def rewards_command(update: Update, context: Context, member: StaffMember) -> None:
    _ = context.tr
    svc = context.services
    sections = [
        (_("To decide"), await svc.rewards.to_decide()),
        (_("Awaiting the admin"), [r.number for r in await svc.rewards.in_states(RewardState.PROPOSED)]),
        (_("Claimed, to pay"), [r.number for r in await svc.rewards.in_states(RewardState.CLAIMED)]),
        (_("Waiting for the reporter's claim"), [r.number for r in await svc.rewards.in_states(RewardState.NOTIFIED)]),
        (_("Lapsed"), [r.number for r in await svc.rewards.in_states(RewardState.LAPSED)]),
    ]
    lines = [_("💰 Rewards")]
    buttons = []
    for title, numbers in sections:
        lines.append(
            f"{title}{colon(context.lang)}{len(numbers)}" + (" · " + ", ".join(numbers[:20]) if numbers else "")
        )
        buttons += [(n, RewardButton(what="open", number=n)) for n in numbers[:10]]
    rows = in_rows(buttons, 3)
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(rows) if rows else None)


async def _card(update: Update, context: Context, member: StaffMember, number: str) -> None:
    svc = context.services
    _ = context.tr
    lang = context.lang
    facets = await svc.tips.facets(number)
    if facets is None:
        await refuse(update, context)
        return
    reward = await svc.rewards.get(number)
    verification = await svc.casework.verification(number)
    lines = [
        _("Reward for report {number}").format(number=number),
        _("Status: {status}").format(status=facets.status.label(lang)),
        _("Kind: {kind}").format(kind=taxonomy.KIND_BY_CODE[facets.kind].label(lang)),
        _("Department: {name}").format(name=svc.office.department(facets.department).label(lang)),
    ]
    if facets.merged_into:
        lines.append(_("Merged into the earlier report {number}.").format(number=facets.merged_into))
    if verification:
        lines += verification_lines(verification, lang, _)
    if reward:
        lines += ["", *reward_lines(reward, lang, _)]
    rows = []
    if await svc.rewards.decidable(number):
        rows.append([(_("💰 Decide the reward"), FormButton(action="reward", subject=number))])
    rules = svc.rewards
    if rules.payee_viewable(reward):
        rows.append([(_("Show payee details"), RewardButton(what="payee", number=number))])
    if rules.checkable(reward):
        rows.append([(_("Check the claim code"), FormButton(action="code", subject=number))])
    if rules.payable(reward):
        rows.append([(_("Record the payment"), FormButton(action="pay", subject=number))])
    if rules.reopenable(reward):
        rows.append([(_("Reopen with a reason"), FormButton(action="reopen", subject=number))])
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(rows) if rows else None)


@staff_only(Role.REWARD)
@needs_code
async def reward_button(update: Update, context: Context, member: StaffMember) -> None:
    """rw:open:<number>, rw:payee:<number> (asks to confirm), rw:ok:payee:<number> — for reward officers,
    in a private chat."""
    button = RewardButton.parse(update.callback_query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await update.callback_query.answer()
    _ = context.tr
    number = button.number
    if button.what == "open":
        await _card(update, context, member, number)
    elif button.ok:
        await _show_payee(update, context, member, number)
    else:
        rewards = context.services.rewards
        if not rewards.payee_viewable(await rewards.get(number)):
            await update.effective_message.reply_text(_("That is not possible for this report now."))
            return
        text = _("Show the payee details for report {number}? This view is recorded.").format(number=number)
        markup = confirm_markup(replace(button, ok=True), RewardButton(what="open", number=number), _)
        await update.effective_message.reply_text(text, reply_markup=markup)


async def _show_payee(update: Update, context: Context, member: StaffMember, number: str) -> None:
    _ = context.tr
    try:
        payee = await context.services.rewards.payee(number, member.user_id, context.now)
    except CaseError:
        await update.effective_message.reply_text(_("That is not possible for this report now."))
        return
    log.info("payee details of tip %s viewed", number)
    text = _("Payee details for report {number} (this view is recorded):\n{details}").format(
        number=number, details=payee
    )
    await sensitive.send_text(context.application, update.effective_chat.id, text)


def _approval(reward: Reward, limit_fen: int, _: Translate) -> tuple[str, InlineKeyboardMarkup]:
    """The admin's approval request: its text and Approve / Refuse for that very proposal."""
    text = _("💰 A reward of {amount} for report {number} needs your approval (above {limit}).\n{explanation}").format(
        amount=format_yuan(reward.amount_fen), number=reward.number, limit=format_yuan(limit_fen),
        explanation=reward.explanation,
    )  # fmt: skip
    proposal = ApprovalButton(what="yes", number=reward.number, reward_id=reward.id, amount_fen=reward.amount_fen)
    markup = keyboard([[(_("Approve"), proposal), (_("Refuse"), replace(proposal, what="no"))]])
    return text, markup


async def ask_admin_to_approve(context: Context, reward: Reward) -> None:
    svc = context.services
    text, markup = _approval(reward, svc.office.rewards.admin_approval_above_yuan * 100, translator(svc.language))
    for admin in await svc.staff.with_role(Role.ADMIN):
        await send_to_staff(context.application, admin.user_id, text, markup, "reward approval")


async def _own_proposal(context: Context, member: StaffMember, _: Translate) -> str:
    """The four-eyes rule, said to an admin pressing on a reward they proposed themselves."""
    text = _("You proposed this reward yourself: another admin must approve or refuse it.")
    admins = await context.services.staff.with_role(Role.ADMIN)
    if not any(a.user_id != member.user_id for a in admins):
        text += " " + _("The office has no other admin yet: an admin adds one with /staff.")
    return text


@staff_only(Role.ADMIN)
@needs_code
async def admin_decision(update: Update, context: Context, member: StaffMember) -> None:
    """rwa:<yes|no>:<number>:<reward id>:<amount in fen> asks to confirm, rwa:ok:… decides, rwa:back:…
    shows the request again — the decision holds only for that proposal."""
    button = ApprovalButton.parse(update.callback_query.data)
    if button is None:
        await update.effective_message.reply_text(await button_expired(update, context))
        return
    await update.callback_query.answer()
    _ = context.tr
    confirmed, what, number, reward_id, amount_fen = (
        button.ok, button.what, button.number, button.reward_id, button.amount_fen
    )  # fmt: skip
    svc = context.services
    message = update.effective_message
    try:  # checked before asking, and again (inside its unit of work) on deciding
        reward = await svc.rewards.approvable(number, member.user_id, reward_id=reward_id, amount_fen=amount_fen)
    except CaseError as error:
        await message.reply_text(await _own_proposal(context, member, _) if str(error) == "self" else _(
            "This request was already decided, or the report moved on."))  # fmt: skip
        return
    if what == "back":
        text, markup = _approval(reward, svc.office.rewards.admin_approval_above_yuan * 100, _)
        await message.reply_text(text, reply_markup=markup)
    elif not confirmed:
        question = (
            _("Approve the reward of {amount} for report {number}? The reporter is told.")
            if what == "yes"
            else _("Refuse the reward of {amount} for report {number}? The reward officer decides again.")
        ).format(amount=format_yuan(amount_fen), number=number)
        markup = confirm_markup(replace(button, ok=True), replace(button, what="back"), _)
        await message.reply_text(question, reply_markup=markup)
    else:
        await _decide(update, context, member, number, reward_id, amount_fen, what == "yes")


async def _decide(update: Update, context: Context, member: StaffMember, number: str, reward_id: int,
                  amount_fen: int, approve: bool) -> None:  # fmt: skip
    _ = context.tr
    try:
        reward = await context.services.rewards.approve(number, member.user_id, context.now, approve,
                                                         reward_id=reward_id, amount_fen=amount_fen)  # fmt: skip
    except CaseError as error:
        text = await _own_proposal(context, member, _) if str(error) == "self" else _(
            "This request was already decided, or the report moved on.")  # fmt: skip
        await update.effective_message.reply_text(text)
        return
    if reward.state == RewardState.NOTIFIED:
        await update.effective_message.reply_text(_("Approved: request for report {number}.").format(number=number))
        await notify_reporter(context.application, number)
    else:
        await update.effective_message.reply_text(_("Refused: request for report {number}.").format(number=number))
