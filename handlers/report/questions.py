"""What each step asks, with its buttons. Callback data is `tip:<step>:<value>` (callbacks.TipButton)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from core import taxonomy
from core.office import OfficeConfig
from handlers.callbacks import TipButton, in_rows
from handlers.callbacks import keyboard as build
from handlers.i18n import Translate
from handlers.labels import REPORTER_TYPES
from handlers.report.flow import STEP_NUMBERS, TOTAL_STEPS
from handlers.state import ReportDraft

Button = tuple[str, str]  # (label, value)


def keyboard(step: str, _: Translate, buttons: list[Button], per_row: int = 1) -> InlineKeyboardMarkup:
    """The step's own buttons, then ⬅ Back and ✖ Cancel."""
    rows = in_rows([(label, TipButton(step=step, value=value)) for label, value in buttons], per_row)
    if step != "intro":
        rows.append([(_("⬅ Back"), TipButton(step=step, value="back"))])
    return build([*rows, [(_("✖ Cancel"), TipButton(step="cancel"))]])


def header(step: str, _: Translate) -> str:
    number = STEP_NUMBERS.get(step)
    return _("Step {step} of {total}").format(step=number, total=TOTAL_STEPS) + "\n\n" if number else ""


def term_buttons(terms: tuple[taxonomy.Term, ...], lang: str) -> list[Button]:
    return [(t.label(lang), t.code) for t in terms]


def question(
    step: str, draft: ReportDraft, office: OfficeConfig, _: Translate, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of a step."""
    answers = draft.answers
    if step == "intro":
        return _intro(_, office), keyboard("intro", _, [(_("Start"), "start")])
    if step == "who":
        text = _("Who is reporting?")
        return text, keyboard(step, _, [(_(label), value) for value, label in REPORTER_TYPES])
    if step == "kind":
        return _("What do you want to report?"), keyboard(step, _, term_buttons(taxonomy.KINDS, lang))
    if step == "subtype":
        return _("Which kind of illegal act is it?"), keyboard(step, _, term_buttons(taxonomy.ILLEGAL_SUBTYPES, lang))
    if step == "acc_when":
        return _("When did the accident happen? A date or a few words are enough."), keyboard(step, _, [])
    if step == "acc_dead":
        text = _("How many people died, as far as you know? Type a number, or tap “Not known”.")
        return text, keyboard(step, _, [(_("Not known"), "unknown")])
    if step == "acc_injured":
        text = _("How many people were injured, as far as you know? Type a number, or tap “Not known”.")
        return text, keyboard(step, _, [(_("Not known"), "unknown")])
    if step == "industry":
        return _("Which industry is it?"), keyboard(step, _, term_buttons(taxonomy.INDUSTRIES, lang), per_row=2)
    if step == "village":
        buttons = [(v.label(lang), v.code) for v in office.villages] + [(_("Not sure / somewhere else"), "none")]
        return _("Which village or community is it in?"), keyboard(step, _, buttons, per_row=2)
    if step == "site":
        if answers.get("location") and not answers.get("site"):
            text = _("Location received. Now type the name of the enterprise or site and its address, or tap Skip.")
            return text, keyboard(step, _, [(_("Skip"), "skip")])
        return _site(_), keyboard(step, _, [])
    if step == "description":
        return _description(_), keyboard(step, _, [])
    if step == "evidence":
        return _evidence(_, office, draft.files), evidence_keyboard(_, draft.files)
    if step == "identity":
        return _identity(_, answers), keyboard(
            step, _, [(_("Stay anonymous"), "anonymous"), (_("Leave my name and phone"), "named")]
        )
    if step == "id_name":
        return _("Your real name:") + "\n\n" + _deleted_once_read(_), keyboard(step, _, [])
    if step == "id_phone":
        return _("Your phone number:") + "\n\n" + _deleted_once_read(_), keyboard(step, _, [])
    if step == "push":
        return _push(_), keyboard(step, _, [(_("Yes, notify me here"), "yes"), (_("No, I will check myself"), "no")])
    raise KeyError(step)


def _intro(_: Translate, office: OfficeConfig) -> str:
    days = office.deadlines
    return _(
        "Before you start, please read:\n\n"
        "🆘 If someone is in danger right now, call 119 (fire), 110 (police) or 120 (ambulance) first.\n\n"
        "🔒 What is anonymous: the office never learns who you are unless you choose to tell it. "
        "Your Telegram name, number and account are not stored with your report. What you write and "
        "send is stored encrypted.\n\n"
        "👁 What is not: Telegram itself carries this chat and can see it, as with any message you send.\n\n"
        "📋 What happens next: you answer 9 short steps, then get a tip number and a secret receipt code. "
        "The office decides within {accept} days whether to accept the report, verifies it (usually within "
        "{verify} days) and replies. With the number and code you can follow it, answer questions and claim a "
        "reward.\n\n"
        "You can go back at every step, or send /cancel to stop."
    ).format(accept=days.accept_days, verify=days.verify_days)


def _site(_: Translate) -> str:
    return _(
        "Type the name of the enterprise or site and its address, for example: “XX Chemical Works, 12 XX Road”.\n\n"
        "You can also send a location pin (📎 → Location) of the place. Send the place of the problem, "
        "not where you are now."
    )


def _description(_: Translate) -> str:
    return _(
        "What happened? Describe the problem in your own words: what it is, where exactly, since when, "
        "who is in danger. Between 10 and 4,000 characters.\n\n"
        "Please type it: voice messages are not accepted, because a voice can identify you."
    )


def _evidence(_: Translate, office: OfficeConfig, count: int) -> str:
    limit = office.limits.max_files_per_tip
    text = _.ngettext(
        "Photos, videos or documents help the office verify your report. You can send up to {limit} file, "
        "each under 20 MB.\n\n"
        "Before a photo is stored, its location, camera details and time are removed. Videos and documents "
        "are kept as they are and may contain details of your phone or your name: if unsure, send photos.\n\n"
        "Tap Done when you have sent everything, or Skip if you have none.",
        "Photos, videos or documents help the office verify your report. You can send up to {limit} files, "
        "each under 20 MB.\n\n"
        "Before a photo is stored, its location, camera details and time are removed. Videos and documents "
        "are kept as they are and may contain details of your phone or your name: if unsure, send photos.\n\n"
        "Tap Done when you have sent everything, or Skip if you have none.",
        limit,
    ).format(limit=limit)
    if count:
        text += "\n\n" + _("Files received so far: {count}").format(count=count)
    return text


def evidence_keyboard(_: Translate, count: int) -> InlineKeyboardMarkup:
    """Step 6's buttons: Done (with the count so far) or Skip, then ⬅ Back and ✖ Cancel."""
    if count:
        done = _.ngettext("Done ({count} file)", "Done ({count} files)", count).format(count=count)
        return keyboard("evidence", _, [(done, "done")])
    return keyboard("evidence", _, [(_("Skip: I have no files"), "done")])


def _identity(_: Translate, answers: dict[str, Any]) -> str:
    text = _(
        "Do you want to leave your real name and phone?\n\n"
        "• Stay anonymous: the office never learns who you are. A reward can still be claimed with "
        "your tip number and receipt code.\n"
        "• Leave them: they are stored encrypted and seen only by a staff member whose request to see them "
        "an admin approved (every view is recorded); they let the office contact you."
    )
    if answers.get("who") == "employee":
        text += "\n\n" + _(
            "As an employee reporting your own employer: the rules may ask for a real name for such a report "
            "to be accepted (应急〔2020〕69号). You decide. The law protects you: you may not lose pay or your "
            "job for reporting (安全生产法 第五十四条)."
        )
    return text


def _deleted_once_read(_: Translate) -> str:
    return _("For your safety, the message with your answer is deleted from this chat once read.")


def _push(_: Translate) -> str:
    return _(
        "Do you want notices about this report in this chat?\n\n"
        "They show only the tip number and a short note, never the content. If yes, this chat is stored "
        "encrypted for this report only and deleted when the case is closed. If no, check it yourself "
        "with the tip number and receipt code."
    )
