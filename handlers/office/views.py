"""Rendering for staff: inbox lines, the tip card, the reporter's pseudonym, long messages."""

from __future__ import annotations

import base64
from datetime import date

from core import taxonomy
from core.casework import Verification
from core.crypto import KeyRing
from core.money import format_yuan
from core.office import OfficeConfig
from core.tips import Status, TipContent, TipEvent, TipFacets, TipMessage
from handlers import labels
from handlers.check_view import message_text
from handlers.i18n import N_, Translate, colon, join

#: A dialogue entry's (sender, kind) as staff read it.
_ENTRIES = {
    ("office", "question"): N_("Office's question to the reporter"),
    ("office", "reply"): N_("Office's reply (答复)"),
    ("office", "message"): N_("Office's message"),
    ("office", "not_accepted"): N_("Not accepted (不予受理), reason"),
    ("office", "merged"): N_("Merged (并案) into"),
    ("office", "extension"): N_("Verification deadline extended, reason"),
    ("office", "review"): N_("Result of the review (复查)"),
    ("reporter", "answer"): N_("Reporter {alias}'s answer"),
    ("reporter", "message"): N_("Reporter {alias}'s message"),
    ("reporter", "objection"): N_("Reporter {alias}'s objection"),
}
#: Telegram's limit is 4,096 characters; cards are split on line breaks below it.
_CHUNK = 3900


def pseudonym(ring: KeyRing, number: str) -> str:
    """举报人 A7K2: the same for one tip, unrelated across tips, and nothing to do with Telegram."""
    digest = ring.lookup_hash("pseudonym", number)
    return base64.b32encode(digest).decode()[:4]


def inbox_line(facets: TipFacets, office: OfficeConfig, lang: str, today: date, _: Translate) -> str:
    due = ""
    if facets.due_on is not None:
        due = _("due {date}").format(date=f"{facets.due_on:%m-%d}")
        if facets.due_on < today:
            due += " ⚠" + _("overdue")
    parts = [
        facets.number,
        facets.status.label(lang),
        office.department(facets.department).label(lang),
        taxonomy.INDUSTRY_BY_CODE[facets.industry].label(lang),
    ]
    if facets.involves_death:
        parts.append("☠" + _("death reported"))
    return " · ".join(parts) + (f" · {due}" if due else "")


def card_text(
    facets: TipFacets,
    content: TipContent,
    events: list[TipEvent],
    messages: list[TipMessage],
    files: int,
    *,
    verification: Verification | None,
    merged_from: list[str],
    office: OfficeConfig,
    alias: str,
    lang: str,
    _: Translate,
) -> str:
    kind = taxonomy.KIND_BY_CODE[facets.kind].label(lang)
    if content.subtype:
        kind += " · " + taxonomy.SUBTYPE_BY_CODE[content.subtype].label(lang)
    village = next((v.label(lang) for v in office.villages if v.code == facets.village), "—")
    lines = [
        _("Report {number} (reporter {alias})").format(number=facets.number, alias=alias),
        _("Status: {status}").format(status=facets.status.label(lang)),
        _("Department: {name}").format(name=office.department(facets.department).label(lang)),
        _("Kind: {kind}").format(kind=kind),
        _("Industry: {name}").format(name=taxonomy.INDUSTRY_BY_CODE[facets.industry].label(lang)),
        _("Village: {name}").format(name=village),
        _("Enterprise / address: {text}").format(text=content.site or "—"),
    ]
    if content.location:
        lines.append(
            _("Location: {lat:.5f}, {lon:.5f}").format(lat=content.location.latitude, lon=content.location.longitude)
        )
    if content.accident:
        lines.append(labels.accident(content.accident.when, content.accident.dead, content.accident.injured, _))
    lines.append(_("Reporter: {who}").format(who=labels.reporter_type(content.reporter_type, _)))
    identity = (
        _("left a real name (shown only after an approved disclosure)") if facets.has_identity else _("anonymous")
    )
    lines.append(_("Identity: {value}").format(value=identity))
    lines.append(_.ngettext("Evidence: {count} file", "Evidence: {count} files", files).format(count=files))
    lines += ["", _("What happened:"), content.description, "", _("History:")]
    lines += [f"  {e.on:%Y-%m-%d}  {Status(e.status).label(lang)}" for e in events]
    if facets.due_on:
        lines.append(_("Next deadline: {date}").format(date=f"{facets.due_on:%Y-%m-%d}"))
    if facets.merged_into:
        lines.append(_("Merged into the earlier report {number}.").format(number=facets.merged_into))
    if merged_from:
        lines.append(_("Later reports merged into this one: {numbers}").format(numbers=", ".join(merged_from)))
    if verification:
        lines += ["", *verification_lines(verification, lang, _)]
    if messages:
        lines += ["", _("Dialogue:")]
        lines += [dialogue_line(m, alias, lang, _) for m in messages]
    return "\n".join(lines)


def dialogue_line(message: TipMessage, alias: str, lang: str, _: Translate) -> str:
    """One entry of the dialogue as staff read it: who wrote what kind of entry, in words (never its codes)."""
    label = _ENTRIES.get((message.sender, message.kind))
    if label is None:  # an entry of a kind this version does not name: who wrote it, at least
        label = N_("office") if message.sender == "office" else N_("reporter {alias}")
    text = message.text if message.kind == "merged" else message_text(message, _, lang)
    return f"{message.on:%Y-%m-%d} {_(label).format(alias=alias)}{colon(lang)}{text}"


def verification_lines(result: Verification, lang: str, _: Translate) -> list[str]:
    def names(codes: tuple[str, ...], index: dict[str, taxonomy.Term]) -> str:
        return join((index[c].label(lang) for c in codes), lang) or "—"

    lines = [
        _("Verification result: {outcome}").format(outcome=taxonomy.OUTCOME_BY_CODE[result.outcome].label(lang)),
        _("Problems found: {names}").format(names=names(result.problems, taxonomy.PROBLEM_CLASS_BY_CODE)),
        _("Measures taken: {names}").format(names=names(result.measures, taxonomy.MEASURE_BY_CODE)),
    ]
    if result.fine_fen:
        lines.append(_("Fine: {amount}").format(amount=format_yuan(result.fine_fen)))
    return lines


def chunks(text: str, size: int = _CHUNK) -> list[str]:
    """Split on line breaks (or hard, for a single overlong line) into pieces Telegram accepts."""
    pieces, current = [], ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        if len(current) + len(line) + 1 > size:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces
