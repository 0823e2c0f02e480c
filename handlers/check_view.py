"""What a reporter sees of their tip: status history, deadlines, the office's messages and reply."""

from __future__ import annotations

from datetime import date

from core.casework import read_review
from core.money import format_yuan
from core.rewards import ClaimMethod, Refusal, Reward, RewardState
from core.tips import NOT_ACCEPTED_REASONS, NotAcceptedReason, Status, TipEvent, TipFacets, TipMessage
from handlers.i18n import N_, Translate, colon

#: Telegram allows 4,096 characters a message; older messages give way first, and a long message
#: is cut, so that the newest (a reply, a question) is always seen.
_BUDGET = 3500
_ENTRY = 1500

_DEADLINES = {
    "accept": N_("decision on accepting it by {date}"),
    "verify": N_("verification and handling by {date}"),
    "reply": N_("the reply (答复) by {date}"),
    "object": N_("you may object to the reply until {date}"),
    "review": N_("the review by {date}"),
}
_SENDERS = {
    ("office", "question"): N_("Question from the office"),
    ("office", "reply"): N_("Reply of the office (答复)"),
    ("office", "message"): N_("Message from the office"),
    ("office", "not_accepted"): N_("The office did not accept the report (不予受理). Reason"),
    ("office", "merged"): N_("Merged (并案)"),
    ("office", "extension"): N_("The verification deadline was extended. Reason"),
    ("office", "review"): N_("Result of the review (复查)"),
    ("reporter", "answer"): N_("Your answer"),
    ("reporter", "message"): N_("Your message"),
    ("reporter", "objection"): N_("Your objection"),
}


def _cut(text: str, limit: int, _: Translate) -> str:
    if len(text) <= limit:
        return text
    length = len(text)
    cut = _.ngettext("(cut: {length} character in all)", "(cut: {length} characters in all)", length)
    return text[:limit] + "… " + cut.format(length=length)


_REWARD_SHOWN = frozenset({RewardState.NOTIFIED, RewardState.CLAIMED, RewardState.PAID, RewardState.LAPSED,
                           RewardState.REFUSED})  # fmt: skip


def reward_text(reward: Reward, _: Translate, lang: str) -> str:
    """The reward as the reporter sees it: the amount, how to claim, by when; or why there is none."""
    amount = format_yuan(reward.amount_fen)
    if reward.state == RewardState.NOTIFIED:
        return _("💰 Reward: {amount} ({explanation}). Claim it by {date} with the button below.").format(
            amount=amount, explanation=reward.explanation, date=f"{reward.claim_due:%Y-%m-%d}"
        )
    if reward.state == RewardState.CLAIMED:
        if reward.claim_method == ClaimMethod.IN_PERSON:
            return _("💰 Reward: {amount}, claimed. Bring your claim code to the office to collect it.").format(
                amount=amount
            )
        return _("💰 Reward: {amount}, claimed. The office pays it to the details you left.").format(amount=amount)
    if reward.state == RewardState.PAID:
        return _("💰 Reward: {amount} paid on {date}.").format(
            amount=format_yuan(reward.paid_fen), date=f"{reward.paid_on:%Y-%m-%d}"
        )
    if reward.state == RewardState.LAPSED:
        return _(
            "💰 Reward: {amount}, not claimed by {date}: it has lapsed. Write to the office if you had a reason."
        ).format(amount=amount, date=f"{reward.claim_due:%Y-%m-%d}")
    return _("No reward: {reason}.").format(reason=reward.refusal.label(lang) if reward.refusal else "—")


def message_text(message: TipMessage, _: Translate, lang: str) -> str:
    """What the reader sees of an entry: the bot's own entries hold codes, rendered in their language."""
    if message.sender == "office" and message.kind == "not_accepted" and message.text in NOT_ACCEPTED_REASONS:
        return NotAcceptedReason(message.text).label(lang)
    if message.sender == "office" and message.kind == "review" and (review := read_review(message.text)):
        result, opinion = review
        return _("Conclusion: {result}\nOpinion: {opinion}").format(result=result.label(lang), opinion=opinion)
    if message.sender == "office" and message.kind == "merged":
        return _(
            "This report concerns the same matter as an earlier report. They are handled together, "
            "and you receive the reply here."
        )
    return message.text


def render(
    facets: TipFacets,
    events: list[TipEvent],
    messages: list[TipMessage],
    deadlines: list[tuple[str, date]],
    _: Translate,
    lang: str,
    reward: Reward | None = None,
) -> str:
    lines = [
        _("Report {number}").format(number=facets.number),
        _("Status: {status}").format(status=facets.status.label(lang)),
        "",
        _("History:"),
    ]
    lines += [f"  {e.on:%Y-%m-%d}  {Status(e.status).label(lang)}" for e in events]
    if deadlines:
        lines += ["", _("Deadlines:")]
        lines += ["  " + _(_DEADLINES[what]).format(date=f"{due:%Y-%m-%d}") for what, due in deadlines]
    if reward is not None and reward.state in _REWARD_SHOWN and reward.refusal != Refusal.ADMIN:  # admin: decided again
        lines += ["", reward_text(reward, _, lang)]
    said = colon(lang).rstrip()  # "：" or ":", before the entry's own line
    dialogue = [
        f"{m.on:%Y-%m-%d} {_(_SENDERS.get((m.sender, m.kind), _SENDERS[(m.sender, 'message')]))}{said}\n"
        + _cut(message_text(m, _, lang), _ENTRY, _)
        for m in messages
    ]
    shown: list[str] = []
    used = sum(len(line) + 1 for line in lines)
    for entry in reversed(dialogue):
        if used + len(entry) > _BUDGET:
            if not shown:  # the newest is always shown, cut to what is left
                shown.insert(0, _cut(entry, max(_BUDGET - used, 200), _))
            shown.insert(0, _("(earlier messages not shown)"))
            break
        shown.insert(0, entry)
        used += len(entry) + 2
    if shown:
        lines += ["", _("Messages:"), *shown]
    return "\n".join(lines)
