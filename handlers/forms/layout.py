"""A form's screens as data: which field comes next or came before, the title, a field's buttons. The
engine (handlers.forms.engine) asks these and sends what they make."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from handlers.callbacks import FormStep, in_rows, keyboard
from handlers.forms.fields import Field
from handlers.forms.form import Form
from handlers.i18n import Translate
from handlers.state import StaffForm


def current(form: Form, state: StaffForm) -> int | None:
    """The index of the first field still to fill (skipping those that do not apply), or None."""
    values = state.values
    for index, item in enumerate(form.fields):
        if item.when(values) and item.key not in values:
            return index
    return None


def previous(form: Form, state: StaffForm, before: int | None) -> int | None:
    """The index of the last answered field before `before` (None: before the summary), if any."""
    values = state.values
    end = len(form.fields) if before is None else before
    answered = [i for i in range(end) if form.fields[i].when(values) and form.fields[i].key in values]
    return answered[-1] if answered else None


def title(form: Form, state: StaffForm, lang: str, _: Translate) -> str:
    args = state.args
    if callable(form.title):
        return form.title(args, lang, _)
    return _(form.title).format(number=state.number, **args)


def field_markup(
    form: Form, item: Field, index: int, state: StaffForm, lang: str, _: Translate
) -> InlineKeyboardMarkup:
    def press(code: str) -> FormStep:
        return FormStep(step=str(index), code=code)

    rows: list[list[tuple[str, FormStep]]] = []
    if item.kind in ("choice", "multi"):
        chosen = state.picked
        rows += in_rows([(("✓ " if t.code in chosen else "") + t.label(lang), press(t.code)) for t in item.options], 2)
        if item.kind == "multi":
            rows.append([(_("Done choosing"), press("done"))])
    if item.kind == "documents":
        rows.append([(_("Done"), press("done"))])
    if item.optional:
        rows.append([(_(item.skip), press("skip"))])
    if form.stepback and previous(form, state, index) is not None:
        rows.append([(_("⬅ Back"), press("back"))])
    rows.append([(_("✖ Cancel"), FormStep(step="cancel"))])
    return keyboard(rows)
