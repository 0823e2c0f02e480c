"""Texts that the reporter's summary, the check view and the office's card share."""

from __future__ import annotations

from handlers.i18n import N_, Translate

#: Who is reporting, in the order the reporter is asked.
REPORTER_TYPES = (
    ("public", N_("A member of the public")),
    ("employee", N_("An employee of the unit I report (whistleblower)")),
    ("other", N_("Other")),
)


def reporter_type(code: str | None, _: Translate) -> str:
    return next((_(label) for value, label in REPORTER_TYPES if value == code), "—")


def accident(when: str, dead: int | None, injured: int | None, _: Translate) -> str:
    """A concealed accident as far as the reporter knows it; None counts are "not known"."""
    unknown = _("not known")
    return _("Accident: {when}; dead: {dead}; injured: {injured}").format(
        when=when, dead=unknown if dead is None else dead, injured=unknown if injured is None else injured
    )
