"""The form engine (handlers.forms) knows no role: each form's gate says who may fill it. The office's
forms keep their staff gate in handlers/office/, the liaisons' forms theirs in handlers/liaison/; the
quarter's summary is a form with a documents field."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

from core.figures import BUILTIN_TEMPLATES
from handlers.forms.fields import check_typed, figure_field
from handlers.forms.form import FORMS
from handlers.i18n import translator
from handlers.liaison import gates as liaison_gates
from handlers.office import gates as office_gates
from tests.office import EMERGENCY, REPORTER, add_staff, open_card
from tests.reporter import file_tip

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return found | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_the_form_engine_imports_no_role_and_no_office():
    for path in (ROOT / "handlers" / "forms").glob("*.py"):
        roles = [m for m in _imports(path) if m.startswith(("handlers.office", "handlers.liaison", "core.roles"))]
        assert roles == [], path.name


def test_the_liaisons_forms_take_nothing_from_the_office():
    for name in ("register", "quarter", "gates"):
        office = [m for m in _imports(ROOT / "handlers" / "liaison" / f"{name}.py") if m.startswith("handlers.office")]
        assert office == [], name


def test_each_form_has_the_gate_of_those_it_is_for():
    import handlers  # noqa: F401 (every form is defined on import)

    staff = {"ask", "merge", "verify", "extend", "reply", "review", "disclose", "reward", "code", "pay", "reopen"}
    assert all(FORMS[action].gate.actor is office_gates.CASE_ACTION.actor for action in staff)
    assert FORMS["liaison"].gate is liaison_gates.ANYONE
    quarter = FORMS["quarter"]
    assert quarter.gate.actor is liaison_gates.ANYONE.actor and not quarter.by_button
    assert [field.kind for field in quarter.fields] == ["text", "text", "documents"]


async def test_text_typed_at_the_summary_is_answered_with_the_summary_again(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        officer, _ = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:ask:{receipt.number}")
        await officer.send("储罐离围墙多远？")
        [again] = await officer.send("还有一个问题")
        assert again.text.startswith("请用按钮确认或取消。") and "储罐离围墙多远？" in again.text
        assert "确认发送吗" in again.text and "✅ 确认" in again.labels


async def test_a_line_of_the_monthly_figures_is_read_as_the_engine_reads_a_field():
    """The monthly figures keep their own flow (docs/ARCHITECTURE.md says why) but read a typed line,
    and say what is wrong with it, through the engine's fields."""
    template, context = BUILTIN_TEMPLATES["a"], SimpleNamespace(lang="en")
    money = next(c for c in template.typed if c.kind == "money")
    count = next(c for c in template.typed if c.kind == "count")
    _ = translator("en")
    assert await check_typed(figure_field(money), " 1.25 ", context, _) == (12500, None)
    assert await check_typed(figure_field(count), "三", context, _) == (3, None)
    value, problem = await check_typed(figure_field(count), "-3", context, _)
    assert value is None and problem == f"{count.label('en')}: cannot be negative. Please type 0 or more."
