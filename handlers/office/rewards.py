"""The reward officer's side: /rewards (what to decide, to approve, to pay), the reward card with
the tip's facts and verification but never its content, payee details (each view audited), and
the admin's approval of amounts above the threshold."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import taxonomy
from core.money import format_yuan
from core.rewards import PAY_METHODS, Reward, refusal_text
from core.roles import Role, StaffMember
from core.tips import parse_tip_number, status_name
from handlers.common import Context, chat_language, is_private, now, services, tr
from handlers.i18n import N_, Translate, colon, translator
from handlers.notify import notify_reporter
from handlers.office.access import refuse, staff_only
from handlers.office.alerts import send_to_staff
from handlers.office.views import verification_lines
from storage.casework import CaseError

log = logging.getLogger("tipline.rewards")

STATE_NAMES = {
    "proposed": N_("awaiting the admin's approval"),
    "approved": N_("approved"),
    "notified": N_("notified, waiting for the claim"),
    "claimed": N_("claimed, to be paid"),
    "paid": N_("paid"),
    "lapsed": N_("lapsed (not claimed in time)"),
    "refused": N_("not rewarded"),
}


def reward_lines(reward: Reward, lang: str, _: Translate) -> list[str]:
    lines = [_("Reward: {state}").format(state=_(STATE_NAMES[reward.state]))]
    if reward.state == "refused":
        lines.append(_("Why: {reason}").format(reason=refusal_text(reward.refusal, lang)))
    else:
        lines.append(_("Amount: {amount}").format(amount=format_yuan(reward.amount_fen)))
    lines.append(_("Rule: {rule}; {explanation}").format(rule=reward.rule_set, explanation=reward.explanation))
    if reward.amount_fen != reward.suggested_fen and reward.state != "refused":
        lines.append(_("Suggested: {amount} (changed, with a reason on file)").format(
            amount=format_yuan(reward.suggested_fen)))  # fmt: skip
    if reward.claim_due:
        lines.append(_("Claim by: {date}").format(date=f"{reward.claim_due:%Y-%m-%d}"))
    if reward.claim_method:
        how = _("payee details left") if reward.claim_method == "payee" else _("in person with a claim code")
        lines.append(_("Claimed on {date}: {how}").format(date=f"{reward.claimed_on:%Y-%m-%d}", how=how))
    if reward.paid_on:
        method = next((zh if lang == "zh" else en for c, zh, en in PAY_METHODS if c == reward.paid_method), "")
        lines.append(_("Paid {amount} on {date} ({method}, reference {ref})").format(
            amount=format_yuan(reward.paid_fen), date=f"{reward.paid_on:%Y-%m-%d}", method=method,
            ref=reward.paid_ref))  # fmt: skip
    return lines


@staff_only(Role.REWARD)
async def rewards_command(update: Update, context: Context, member: StaffMember) -> None:
    _ = tr(context)
    if not is_private(update):
        await update.effective_message.reply_text(_("Please open the rewards in a private chat with me."))
        return
    svc = services(context)
    sections = [
        (_("To decide"), await svc.rewards.to_decide()),
        (_("Awaiting the admin"), [r.number for r in await svc.rewards.in_states("proposed")]),
        (_("Claimed, to pay"), [r.number for r in await svc.rewards.in_states("claimed")]),
        (_("Waiting for the reporter's claim"), [r.number for r in await svc.rewards.in_states("notified")]),
        (_("Lapsed"), [r.number for r in await svc.rewards.in_states("lapsed")]),
    ]
    lines = [_("💰 Rewards")]
    buttons = []
    for title, numbers in sections:
        lines.append(
            f"{title}{colon(chat_language(context))}{len(numbers)}"
            + (" · " + ", ".join(numbers[:20]) if numbers else "")
        )
        buttons += [InlineKeyboardButton(n, callback_data=f"rw:open:{n}") for n in numbers[:10]]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


async def _card(update: Update, context: Context, member: StaffMember, number: str) -> None:
    svc = services(context)
    _ = tr(context)
    lang = chat_language(context)
    facets = await svc.tips.facets(number)
    if facets is None:
        await refuse(update, context)
        return
    reward = await svc.rewards.get(number)
    verification = await svc.casework.verification(number)
    lines = [
        _("Reward for report {number}").format(number=number),
        _("Status: {status}").format(status=status_name(facets.status, lang)),
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
        rows.append([InlineKeyboardButton(_("💰 Decide the reward"), callback_data=f"form:reward:{number}")])
    if reward and reward.state == "claimed":
        if reward.claim_method == "payee":
            rows.append([InlineKeyboardButton(_("Show payee details"), callback_data=f"rw:payee:{number}")])
        elif not reward.code_checked:
            rows.append([InlineKeyboardButton(_("Check the claim code"), callback_data=f"form:code:{number}")])
        if reward.claim_method == "payee" or reward.code_checked:
            rows.append([InlineKeyboardButton(_("Record the payment"), callback_data=f"form:pay:{number}")])
    if reward and reward.state == "lapsed":
        rows.append([InlineKeyboardButton(_("Reopen with a reason"), callback_data=f"form:reopen:{number}")])
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


@staff_only(Role.REWARD)
async def reward_button(update: Update, context: Context, member: StaffMember) -> None:
    """rw:open:<number>, rw:payee:<number> — for reward officers, in a private chat."""
    await update.callback_query.answer()
    parts = update.callback_query.data.split(":")
    number = parse_tip_number(parts[2]) if len(parts) == 3 else None
    if number is None or not is_private(update) or parts[1] not in ("open", "payee"):
        _ = tr(context)
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    if parts[1] == "open":
        await _card(update, context, member, number)
        return
    _ = tr(context)
    try:
        payee = await services(context).rewards.payee(number, member.user_id, now(context))
    except CaseError:
        await update.effective_message.reply_text(_("That is not possible for this report now."))
        return
    log.info("payee details of tip %s viewed", number)
    await update.effective_message.reply_text(
        _("Payee details for report {number} (this view is recorded):\n{details}").format(number=number, details=payee)
    )


async def ask_admin_to_approve(context: Context, reward: Reward) -> None:
    svc = services(context)
    _ = translator(svc.language)
    text = _("💰 A reward of {amount} for report {number} needs your approval (above {limit}).\n{explanation}").format(
        amount=format_yuan(reward.amount_fen), number=reward.number,
        limit=format_yuan(svc.office.rewards.admin_approval_above_yuan * 100), explanation=reward.explanation,
    )  # fmt: skip
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Approve"), callback_data=f"rwa:yes:{reward.number}:{reward.id}:{reward.amount_fen}"),
        InlineKeyboardButton(_("Refuse"), callback_data=f"rwa:no:{reward.number}:{reward.id}:{reward.amount_fen}"),
    ]])  # fmt: skip
    for admin in await svc.staff.with_role(Role.ADMIN):
        await send_to_staff(context.application, admin.user_id, text, markup, "reward approval")


@staff_only(Role.ADMIN)
async def admin_decision(update: Update, context: Context, member: StaffMember) -> None:
    """rwa:<yes|no>:<number>:<reward id>:<amount in fen> — the decision holds only for that proposal."""
    await update.callback_query.answer()
    _ = tr(context)
    parts = update.callback_query.data.split(":")
    valid = len(parts) == 5 and parts[1] in ("yes", "no") and parts[3].isdigit() and parts[4].isdigit()
    number = parse_tip_number(parts[2]) if valid else None
    if number is None:
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    svc = services(context)
    try:
        reward = await svc.rewards.approve(number, member.user_id, now(context), parts[1] == "yes",
                                           reward_id=int(parts[3]), amount_fen=int(parts[4]))  # fmt: skip
    except CaseError:
        await update.effective_message.reply_text(_("This request was already decided, or the report moved on."))
        return
    if reward.state == "notified":
        await update.effective_message.reply_text(_("Approved: request for report {number}.").format(number=number))
        await notify_reporter(context.application, number)
    else:
        await update.effective_message.reply_text(_("Refused: request for report {number}.").format(number=number))
