"""The case actions that need typed input, as staff forms (handlers.forms): ask the reporter,
merge as a duplicate, record the verification result, request an extension, write the reply,
record the review, request identity disclosure."""

from __future__ import annotations

from telegram import Update

from core import taxonomy
from core.casework import Reply, Verification, may_merge_into
from core.roles import StaffMember
from handlers.context import Context
from handlers.forms.engine import Field, Values
from handlers.forms.engine import subject as form_subject
from handlers.i18n import N_, Translate
from handlers.notify import notify_all, notify_reporter
from handlers.office.alerts import tell_reward_officers
from handlers.office.approvals import ask_admins
from handlers.office.gates import case_form

_SUBSTANTIATED = lambda values: values.get("outcome") in taxonomy.SUBSTANTIATED  # noqa: E731


async def _ask(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    await context.services.casework.ask(number, member.user_id, str(values["question"]), context.now)
    await notify_reporter(context.application, number)
    _ = context.tr
    return _("Question sent to the reporter of {number}. Their answer will appear in the card.").format(number=number)


async def _check_earlier(value: object, update: Update, context: Context, _: Translate) -> tuple[object, str | None]:
    """The tip to merge into must exist, be earlier, still be worked, and be this person's to see."""
    svc = context.services
    later, earlier = await svc.tips.facets(form_subject(context)), await svc.tips.facets(str(value))
    member = await svc.staff.get(update.effective_user.id)
    if earlier is None or member is None or not member.may_see(earlier.department):
        return None, _("There is no report {number} that you can see.").format(number=value)
    if not may_merge_into(later, earlier):
        return None, _(
            "A report merges only into an earlier report that was accepted and not yet replied to, and that "
            "has not been merged itself."
        )
    return value, None


async def _merge(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    into = str(values["into"])
    await context.services.casework.merge(number, member.user_id, into, context.now)
    await notify_reporter(context.application, number)
    _ = context.tr
    return _("Report {number} is merged into {into}; it gets that report's reply and closes with it.").format(
        number=number, into=into
    )


async def _verify(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    svc = context.services
    measures = tuple(values.get("measures", ()))
    result = Verification(
        outcome=str(values["outcome"]), problems=tuple(values.get("problems", ())), measures=measures,
        fine_fen=int(values.get("fine", 0)) if "fine" in measures else 0,
    )  # fmt: skip
    correction = await svc.casework.verify(number, member.user_id, result, context.now)
    if not correction:  # a correction changes nothing the reporter sees
        await notify_reporter(context.application, number)
    if result.substantiated:
        await tell_reward_officers(context.application, number, "verified")
    facets = await svc.tips.facets(number)
    _ = context.tr
    return _("Verification result recorded for {number}. The reply (答复) is due by {date}.").format(
        number=number, date=f"{facets.due_on:%Y-%m-%d}"
    )


async def _extend(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    svc = context.services
    request_id = await svc.requests.request(
        number, "extension", member.user_id, str(values["reason"]), context.now, days=int(values["days"])
    )
    await ask_admins(context, request_id)
    _ = context.tr
    return _("Extension requested for {number}. The admin decides; you will be told.").format(number=number)


async def _reply(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    svc = context.services
    reply = Reply(conclusion=str(values["conclusion"]), findings=str(values["findings"]),
                  decision=str(values["decision"]), reward=str(values["reward"]))  # fmt: skip
    notices = await svc.casework.reply(number, member.user_id, reply, context.now)
    await notify_all(context.application, notices)
    facets = await svc.tips.facets(number)
    _ = context.tr
    return _("Reply sent for {number}. The reporter may object until {date}.").format(
        number=number, date=f"{facets.due_on:%Y-%m-%d}"
    )


async def _merged_readers(context: Context, number: str, values: Values, _: Translate) -> str:
    merged = await context.services.tips.merged_from(number)
    if not merged:
        return _("The reporter reads this reply word for word.")
    return _.ngettext("The reporter, and the reporter of the {count} report merged into this one, read this "
                      "reply word for word.",
                      "The reporter, and the reporters of the {count} reports merged into this one, read this "
                      "reply word for word.", len(merged)).format(count=len(merged))  # fmt: skip


async def _review(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    notices = await context.services.casework.review(
        number, member.user_id, str(values["result"]), str(values["opinion"]), context.now
    )
    await notify_all(context.application, notices)
    _ = context.tr
    return _("Review recorded and sent to the reporter; report {number} is closed (办结).").format(number=number)


async def _disclose(update: Update, context: Context, member: StaffMember, number: str, values: Values) -> str:
    request_id = await context.services.requests.request(
        number, "disclosure", member.user_id, str(values["reason"]), context.now
    )
    await ask_admins(context, request_id)
    _ = context.tr
    return _("Your request to see the identity of the reporter of {number} went to the admin.").format(number=number)


case_form("ask", N_("Ask the reporter of {number}"),
          (Field("question", N_("Type the question. It is relayed without your name."), "text"),), _ask,
          confirm=N_("Send this?"))  # fmt: skip
case_form("merge", N_("Merge {number} as a duplicate"),
          (Field("into", N_("Type the number of the earlier report of the same matter (it keeps reward "
                            "priority):"), "tip"),),
          _merge, checks={"into": _check_earlier})  # fmt: skip
case_form("verify", N_("Verification result (核查结果) for {number}"), (
    Field("outcome", N_("What did the verification find?"), "choice", taxonomy.OUTCOMES),
    Field("problems", N_("Which problems were found (问题类别)?"), "multi", taxonomy.PROBLEM_CLASSES,
          when=_SUBSTANTIATED, at_least=1),
    Field("measures", N_("Which measures were taken (处理措施)?"), "multi", taxonomy.MEASURES, when=_SUBSTANTIATED),
    Field("fine", N_("The fine (罚款) in yuan:"), "money", when=lambda v: "fine" in v.get("measures", ())),
), _verify)  # fmt: skip
case_form("extend", N_("Extension of the verification deadline for {number}"), (
    Field("days", N_("By how many days?"), "days"),
    Field("reason", N_("Why? The reporter is told this reason."), "text", max_len=500),
), _extend)  # fmt: skip
case_form("reply", N_("Reply (答复) for {number}"), (
    Field("conclusion", N_("核查结论 — the conclusion of the verification:"), "text", intro=_merged_readers),
    Field("findings", N_("简要核查情况 — what the verification found, briefly:"), "text"),
    Field("decision", N_("处理决定 — the decision taken:"), "text"),
    Field("reward", N_("符合奖励条件情况 — whether the tip qualifies for a reward:"), "text"),
), _reply, confirm=N_("Send this?"))  # fmt: skip
case_form("review", N_("Review (复查) of {number}"), (
    Field("result", N_("The result of the review:"), "choice", taxonomy.REVIEW_RESULTS),
    Field("opinion", N_("The review's opinion (复查意见), as the reporter will read it:"), "text"),
), _review, confirm=N_("Send this?"))  # fmt: skip
case_form("disclose", N_("Identity disclosure for {number}"), (
    Field("reason", N_("Why do you need the reporter's name and phone? The admin decides."), "text", max_len=500),
), _disclose)  # fmt: skip
