"""The reward officer's forms: decide the reward (the suggestion shown, taken or changed with a
reason), check a claim code, record the payment, reopen a lapsed reward."""

from __future__ import annotations

from datetime import date

from telegram import Update

from core.money import format_yuan
from core.rewards import PAY_METHODS, AccidentFacts, RewardState
from core.roles import Role, StaffMember
from core.taxonomy import Term
from handlers.callbacks import reward_card
from handlers.context import Context
from handlers.forms.engine import Field, Form, Values, define
from handlers.forms.engine import subject as form_subject
from handlers.i18n import N_, Translate
from handlers.notify import notify_reporter
from handlers.office.gates import staff_gate
from handlers.office.rewards import ask_admin_to_approve

CHOICES = (
    Term("take", "采用建议金额", "Take the suggestion"),
    Term("change", "调整金额（须说明理由）", "Change the amount (with a reason)"),
    Term("known", "不予奖励：有关部门事先已掌握", "Not eligible: already known to the regulator"),
)
METHODS = PAY_METHODS


async def _start(context: Context, number: str) -> Values:
    """Accident facts are asked only for a concealed accident."""
    facets = await context.services.tips.facets(number)
    return {"_concealed": True} if facets is not None and facets.kind == "concealed" else {}


def _accident(values: Values) -> AccidentFacts | None:
    if "deaths" not in values:
        return None
    return AccidentFacts(int(values["deaths"]), int(values["injuries"]), int(values["loss"]), int(values["concealed"]))


async def _suggestion_text(context: Context, number: str, values: Values, _: Translate) -> str:
    suggestion = await context.services.rewards.suggestion(number, _accident(values))
    rule = context.services.office.rewards.rules.name
    if not suggestion.eligible:
        return _("Not eligible under {rule}: {why}. Taking the suggestion records that.").format(
            rule=rule, why=suggestion.explanation
        )
    return _("Suggested under {rule}: {amount}\n{explanation}").format(
        rule=rule, amount=format_yuan(suggestion.amount_fen), explanation=suggestion.explanation
    )


async def _may_decide(context: Context, member: StaffMember, number: str) -> bool:
    return member.has(Role.REWARD) and await context.services.rewards.decidable(number)


async def _decide(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    svc = context.services
    choice = str(values["choice"])
    reward = await svc.rewards.decide(
        number, member.user_id, context.now, choice=choice, accident=_accident(values),
        amount_fen=int(values["amount"]) if choice == "change" else None,
        reason=str(values["reason"]) if choice == "change" else None,
    )  # fmt: skip
    _ = context.tr
    if reward.state == RewardState.PROPOSED:
        await ask_admin_to_approve(context, reward)
        return _("The reward of {amount} for {number} is above the limit: the admin was asked to approve it.").format(
            amount=format_yuan(reward.amount_fen), number=number
        )
    if reward.state == RewardState.REFUSED:
        return _("Recorded: report {number} is not rewarded.").format(number=number)
    await notify_reporter(context.application, number)
    return _("Reward of {amount} for {number} approved; the reporter can claim it until {date}.").format(
        amount=format_yuan(reward.amount_fen), number=number, date=f"{reward.claim_due:%Y-%m-%d}"
    )


async def _reward_is(context: Context, member: StaffMember, number: str, rule) -> bool:
    """A reward officer, and the reward as it is now meets the service's rule."""
    return member.has(Role.REWARD) and rule(await context.services.rewards.get(number))


async def _may_check(context: Context, member: StaffMember, number: str) -> bool:
    return await _reward_is(context, member, number, context.services.rewards.checkable)


async def _check_code(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    right = await context.services.rewards.check_code(number, member.user_id, str(values["code"]), context.now)
    _ = context.tr
    if right:
        return _("The claim code is right. You can pay and record the payment.")
    return _("The claim code is NOT right. Do not pay; check the person's code again.")


async def _may_pay(context: Context, member: StaffMember, number: str) -> bool:
    return await _reward_is(context, member, number, context.services.rewards.payable)


async def _pay(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    reward = await context.services.rewards.pay(
        number, member.user_id, context.now, amount_fen=int(values["amount"]),
        paid_on=date.fromisoformat(str(values["on"])), method=str(values["method"]), reference=str(values["ref"]),
    )  # fmt: skip
    await notify_reporter(context.application, number)
    _ = context.tr
    return _("Payment of {amount} for {number} recorded.").format(amount=format_yuan(reward.paid_fen), number=number)


async def _may_reopen(context: Context, member: StaffMember, number: str) -> bool:
    return await _reward_is(context, member, number, context.services.rewards.reopenable)


async def _reopen(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    reward = await context.services.rewards.reopen(number, member.user_id, context.now, str(values["reason"]))
    await notify_reporter(context.application, number)
    _ = context.tr
    return _("Reward for {number} reopened; the reporter can claim it until {date}.").format(
        number=number, date=f"{reward.claim_due:%Y-%m-%d}"
    )


async def _check_amount(value: object, update: Update, context: Context, _: Translate) -> tuple[object, str | None]:
    reward = await context.services.rewards.get(form_subject(context))
    if reward is not None and int(value) != reward.amount_fen:
        return None, _(
            "The approved amount is {amount}. Type that amount; a different one needs a new decision."
        ).format(amount=format_yuan(reward.amount_fen))
    return value, None


def _is_concealed(values: Values) -> bool:
    return bool(values.get("_concealed"))


async def _recap(context: Context, number: str, values: Values, _: Translate) -> str:
    return await _suggestion_text(context, number, values, _)


define(Form("reward", N_("Reward for report {number}"), (
    Field("deaths", N_("How many people died in the accident, as verified?"), "count", when=_is_concealed),
    Field("concealed", N_("How many of those deaths were concealed or falsely reported?"), "count",
          when=_is_concealed),
    Field("injuries", N_("How many serious injuries (incl. acute poisoning)?"), "count", when=_is_concealed),
    Field("loss", N_("The direct economic loss in yuan (0 if none):"), "money", when=_is_concealed, zero=True),
    Field("choice", N_("Your decision:"), "choice", CHOICES, intro=_suggestion_text),
    Field("amount", N_("The amount in yuan:"), "money", when=lambda v: v.get("choice") == "change"),
    Field("reason", N_("Why this amount? (kept on the file)"), "text", when=lambda v: v.get("choice") == "change",
          max_len=500),
), _decide, gate=staff_gate(_may_decide, Role.REWARD), recap=_recap, start=_start, back=reward_card))  # fmt: skip
define(Form("code", N_("Claim code for report {number}"), (
    Field("code", N_("Type the claim code the person shows you:"), "text", max_len=20),
), _check_code, gate=staff_gate(_may_check, Role.REWARD), back=reward_card))  # fmt: skip
define(Form("pay", N_("Payment of the reward for {number}"), (
    Field("amount", N_("The amount paid, in yuan:"), "money"),
    Field("on", N_("The date paid (2026-11-23, or “today”):"), "date"),
    Field("method", N_("How was it paid?"), "choice", METHODS),
    Field("ref", N_("The reference (voucher or transfer number):"), "text", max_len=100),
), _pay, checks={"amount": _check_amount}, gate=staff_gate(_may_pay, Role.REWARD), back=reward_card))  # fmt: skip
define(Form("reopen", N_("Reopen the lapsed reward for {number}"), (
    Field("reason", N_("Why is it reopened? (kept on the file)"), "text", max_len=500),
), _reopen, gate=staff_gate(_may_reopen, Role.REWARD), back=reward_card))  # fmt: skip
