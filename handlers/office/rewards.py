"""The reward officer's side: /rewards (what to decide, to approve, to pay), the reward card with
the tip's facts and verification but never its content, payee details (each view audited), and
the admin's approval of amounts above the threshold."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import taxonomy
from core.money import format_yuan
from core.parsing import parse_tip_number
from core.rewards import PAY_METHODS, Reward, refusal_text
from core.roles import Role, StaffMember
from core.tips import status_name
from handlers.common import confirm_markup
from handlers.context import Context
from handlers.i18n import N_, Translate, colon, translator
from handlers.notify import notify_reporter
from handlers.office import sensitive
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
    _ = context.tr
    svc = context.services
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
            f"{title}{colon(context.lang)}{len(numbers)}"
            + (" · " + ", ".join(numbers[:20]) if numbers else "")
        )
        buttons += [InlineKeyboardButton(n, callback_data=f"rw:open:{n}") for n in numbers[:10]]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


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
    """rw:open:<number>, rw:payee:<number> (asks to confirm), rw:ok:payee:<number> — for reward officers,
    in a private chat."""
    await update.callback_query.answer()
    _ = context.tr
    parts = update.callback_query.data.split(":")
    confirmed = len(parts) == 4 and parts[1] == "ok"
    if confirmed:
        parts = [parts[0], *parts[2:]]
    number = parse_tip_number(parts[2]) if len(parts) == 3 else None
    valid = parts[1] == "payee" if confirmed else parts[1] in ("open", "payee")
    if number is None or not valid:
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    if parts[1] == "open":
        await _card(update, context, member, number)
    elif confirmed:
        await _show_payee(update, context, member, number)
    else:
        reward = await context.services.rewards.get(number)
        if reward is None or reward.state != "claimed" or reward.claim_method != "payee":
            await update.effective_message.reply_text(_("That is not possible for this report now."))
            return
        text = _("Show the payee details for report {number}? This view is recorded.").format(number=number)
        markup = confirm_markup(f"rw:ok:payee:{number}", f"rw:open:{number}", _)
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
    proposal = f"{reward.number}:{reward.id}:{reward.amount_fen}"
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Approve"), callback_data=f"rwa:yes:{proposal}"),
        InlineKeyboardButton(_("Refuse"), callback_data=f"rwa:no:{proposal}"),
    ]])  # fmt: skip
    return text, markup


async def ask_admin_to_approve(context: Context, reward: Reward) -> None:
    svc = context.services
    text, markup = _approval(reward, svc.office.rewards.admin_approval_above_yuan * 100, translator(svc.language))
    for admin in await svc.staff.with_role(Role.ADMIN):
        await send_to_staff(context.application, admin.user_id, text, markup, "reward approval")


def _parse_decision(data: str) -> tuple[bool, str, str, int, int] | None:
    """rwa:[ok:]<yes|no|back>:<number>:<reward id>:<amount in fen> → its parts; None if malformed."""
    parts = data.split(":")
    confirmed = len(parts) == 6 and parts[1] == "ok"
    if confirmed:
        parts = [parts[0], *parts[2:]]
    whats = ("yes", "no") if confirmed else ("yes", "no", "back")
    valid = len(parts) == 5 and parts[1] in whats and parts[3].isdigit() and parts[4].isdigit()
    number = parse_tip_number(parts[2]) if valid else None
    return None if number is None else (confirmed, parts[1], number, int(parts[3]), int(parts[4]))


async def _own_proposal(context: Context, member: StaffMember, _: Translate) -> str:
    """The four-eyes rule, said to an admin pressing on a reward they proposed themselves."""
    text = _("You proposed this reward yourself: another admin must approve or refuse it.")
    admins = await context.services.staff.with_role(Role.ADMIN)
    if not any(a.user_id != member.user_id for a in admins):
        text += " " + _("The office has no other admin yet: an admin adds one with /staff.")
    return text


@staff_only(Role.ADMIN)
async def admin_decision(update: Update, context: Context, member: StaffMember) -> None:
    """rwa:<yes|no>:<number>:<reward id>:<amount in fen> asks to confirm, rwa:ok:… decides, rwa:back:…
    shows the request again — the decision holds only for that proposal."""
    await update.callback_query.answer()
    _ = context.tr
    parsed = _parse_decision(update.callback_query.data)
    if parsed is None:
        await update.effective_message.reply_text(_("This button is no longer valid."))
        return
    confirmed, what, number, reward_id, amount_fen = parsed
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
        proposal = f"{number}:{reward_id}:{amount_fen}"
        await message.reply_text(question, reply_markup=confirm_markup(f"rwa:ok:{what}:{proposal}",
                                                                         f"rwa:back:{proposal}", _))  # fmt: skip
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
    if reward.state == "notified":
        await update.effective_message.reply_text(_("Approved: request for report {number}.").format(number=number))
        await notify_reporter(context.application, number)
    else:
        await update.effective_message.reply_text(_("Refused: request for report {number}.").format(number=number))
