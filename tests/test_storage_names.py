"""One name per storage write (docs/ARCHITECTURE.md, "One name for a write in the caller's
transaction"): a write whose first parameter is `conn` runs in the caller's transaction; no second
method opens a transaction only to call it under another name (append/record, add_message_in/add_message),
and nothing passes code into storage to run inside its transaction (a closure parameter)."""

from __future__ import annotations

import ast
from pathlib import Path

STORAGE = Path(__file__).resolve().parent.parent / "storage"


def _methods():
    for path in sorted(STORAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            for fn in (node for node in cls.body if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)):
                yield f"{path.stem}.{cls.name}.{fn.name}", fn


def _body(fn: ast.AST) -> list[ast.stmt]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body


def _only_wraps_a_conn_method(fn: ast.AST) -> bool:
    """`async with self.db.transaction() as conn: [return] await self.other(conn, …)` and nothing else."""
    body = _body(fn)
    if len(body) != 1 or not isinstance(body[0], ast.AsyncWith) or len(body[0].body) != 1:
        return False
    inner = body[0].body[0]
    call = getattr(inner, "value", None)
    call = call.value if isinstance(call, ast.Await) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
        and not call.func.attr.startswith("_")  # a private helper is not a second name
        and bool(call.args)
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id == "conn"
    )


def test_no_write_has_a_second_name_that_opens_its_own_transaction():
    wrappers = [name for name, fn in _methods() if _only_wraps_a_conn_method(fn)]
    assert wrappers == []
    conn_first = [name for name, fn in _methods() if [a.arg for a in fn.args.args[1:2]] == ["conn"]]
    assert [name for name in conn_first if name.endswith(("_in", "_now"))] == []


def _transactional(fn: ast.AST) -> bool:
    """Runs in a transaction: the caller's (`conn` first) or its own."""
    return any(arg.arg == "conn" for arg in fn.args.args[:2]) or ".transaction()" in ast.unparse(fn)


def test_nothing_is_passed_into_storage_to_run_in_its_transaction():
    closures = [
        f"{name}({arg.arg})"
        for name, fn in _methods()
        if _transactional(fn)
        for arg in [*fn.args.args, *fn.args.kwonlyargs]
        if arg.annotation is not None and "Callable" in ast.unparse(arg.annotation)
    ]
    assert closures == []
