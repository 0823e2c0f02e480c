"""The layers hold: no import cycle, no upward import, no file I/O in core/.

A small AST check over every .py file of bot/, jobs/, handlers/, services/, storage/ and core/ (no
dependency): every import counts, at module level, under TYPE_CHECKING or inside a function. Layers,
top to bottom: bot → jobs → handlers → services → storage → core. core/ imports nothing of ours above
it, nor telegram, aiosqlite or sqlite3; storage/ never imports telegram, services or handlers;
services/ never imports telegram or handlers; handlers/ never import jobs or bot; jobs/ never import bot.
core/ does no file I/O: a deny-list of calls (open(), Path's reads and writes, os., shutil.,
subprocess., tomllib.load …); writing into an in-memory buffer (io.BytesIO) is not I/O.
No module of handlers/ or jobs/ opens a transaction (`.transaction(` or `.unit_of_work(`): a use case does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "storage", "services", "handlers", "jobs", "bot")  # bottom to top
FORBIDDEN = {
    "core": {"telegram", "aiosqlite", "sqlite3"},
    "storage": {"telegram"},
    "services": {"telegram"},
}

# Calls that read or write the file system, or start a process: module.function, any function of a
# module, builtins, and methods by name (Path's, a workbook's or a figure's .save); .open only on a
# Path(…), since a zip archive's or an image's .open reads what is already in memory.
DENIED_MODULES = {"os", "shutil", "subprocess", "tempfile", "socket", "glob", "pathlib", "resource"}
DENIED_FUNCTIONS = {
    "tomllib.load",
    "json.load",
    "json.dump",
    "pickle.load",
    "pickle.dump",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "io.open",
}
DENIED_BUILTINS = {"open", "input", "print"}
DENIED_METHODS = {
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "save",
    "savefig",
    "mkdir",
    "rmdir",
    "unlink",
    "touch",
    "chmod",
    "rename",
    "iterdir",
    "glob",
    "rglob",
    "exists",
    "is_file",
    "is_dir",
    "stat",
    "addfont",
    "findSystemFonts",
}
BUFFERS = {"BytesIO", "StringIO"}


def _sources() -> Iterator[tuple[str, Path]]:
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


MODULES = dict(_sources())


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every name imported, as the module it names (ours, when `from X import Y` names one)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path, node)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full if full in MODULES else base), node.lineno


def _ours(name: str) -> str | None:
    """The module of ours an import reaches (its longest known prefix), if any."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return None


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for name, _line in _imports(module, path):
            target = _ours(name)
            if target and target != module:
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _buffers(tree: ast.AST) -> set[str]:
    """Names bound to an in-memory buffer (x = io.BytesIO(), with io.BytesIO() as x)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
            pairs += [
                pair
                for t in node.targets
                if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple)
                for pair in zip(t.elts, node.value.elts, strict=False)
            ]
            names |= {t.id for t, value in pairs if isinstance(t, ast.Name) and _is_buffer(value)}
        elif (
            isinstance(node, ast.withitem)
            and _is_buffer(node.context_expr)
            and isinstance(node.optional_vars, ast.Name)
        ):
            names.add(node.optional_vars.id)
    return names


def _is_buffer(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _dotted(node.func).split(".")[-1] in BUFFERS


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


def _in_memory(call: ast.Call, buffers: set[str]) -> bool:
    if not call.args:
        return False
    first = call.args[0]
    return _is_buffer(first) or (isinstance(first, ast.Name) and first.id in buffers)


def _io_calls(source: str) -> Iterator[tuple[int, str]]:
    """The denied calls of a module's source, with their lines."""
    tree = ast.parse(source)
    buffers = _buffers(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        denied = (
            name in DENIED_FUNCTIONS
            or name.split(".")[0] in DENIED_MODULES
            or name in DENIED_BUILTINS
            or method in DENIED_METHODS
            or (method == "open" and _dotted(getattr(node.func.value, "func", node.func)) in ("Path", "pathlib.Path"))
        )
        if denied and not _in_memory(node, buffers):
            yield node.lineno, name or getattr(node.func, "attr", "?")


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def _upward(module: str, name: str) -> bool:
    """Whether `module` may not import `name`: a layer above its own, or a library its layer must not use."""
    layer, top = module.split(".")[0], name.split(".")[0]
    above = top in LAYERS and LAYERS.index(top) > LAYERS.index(layer)
    return above or top in FORBIDDEN.get(layer, set())


def test_imports_go_down_only():
    upward = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for module, path in MODULES.items()
        for name, line in _imports(module, path)
        if _upward(module, name)
    ]
    assert upward == []


def test_core_does_no_file_io():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}("
        for path in sorted((ROOT / "core").rglob("*.py"))
        for line, name in _io_calls(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_core_imports_no_module_that_reaches_the_machine():
    """The call check sees `os.remove(p)`; this sees `from os import remove` and `from pathlib import Path`
    (after which `p.open()` or `remove(p)` would pass it unnamed)."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for module, path in MODULES.items()
        if module.split(".")[0] == "core"
        for name, line in _imports(module, path)
        if name.split(".")[0] in DENIED_MODULES
    ]
    assert found == []


def test_the_check_sees_what_it_must():
    """The checks themselves find a cycle, and file I/O but not writing into a buffer."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _upward("core.tips", "storage.db") and _upward("core.crypto", "sqlite3")
    assert _upward("storage.db", "telegram.ext") and _upward("handlers.menu", "bot.services")
    assert not _upward("handlers.menu", "storage.tips") and not _upward("bot.app", "telegram")
    assert _upward("storage.casework", "services.casework") and _upward("services.casework", "handlers.common")
    assert _upward("services.casework", "telegram") and not _upward("handlers.office.actions", "services.casework")
    assert _upward("handlers.outbox", "jobs.outbox") and _upward("jobs.prompts", "bot.app")
    assert not _upward("jobs.prompts", "handlers.outbox") and not _upward("bot.app", "jobs")
    source = (
        "import io\nb = io.BytesIO()\nwb.save(b)\nwb.save('x.xlsx')\nopen('f')\n"
        "Path('k').read_text()\nos.replace(a, b)\ntomllib.loads(s)\ntomllib.load(f)\n"
        "pdf, png = io.BytesIO(), io.BytesIO()\nfig.savefig(png)\nfig.savefig('p.png')\n"
        "archive.open(info)\nPath('k').open()\n"  # a member of an in-memory zip; a file
    )
    assert [line for line, _name in _io_calls(source)] == [4, 5, 6, 7, 9, 12, 14]


# -- no handler opens a transaction ------------------------------------------------------------

#: What opens a transaction: a use case (services/) does, through its unit of work; handlers call it.
TRANSACTION_METHODS = {"transaction", "unit_of_work"}


def _transactions(source: str) -> list[tuple[int, str]]:
    """The calls `x.transaction(…)` and `x.unit_of_work(…)` in a module, by line."""
    return [
        (node.lineno, node.func.attr)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TRANSACTION_METHODS
    ]


def test_no_handler_or_job_opens_a_transaction():
    """Handlers parse, call a use case and render, and jobs call use cases too: every check-then-write
    is a use case's unit of work."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: .{name}("
        for package in ("handlers", "jobs")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in _transactions(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_transaction_check_sees_both_ways_in():
    source = (
        "async def f(services, db):\n"
        "    async with services.db.transaction() as conn:\n"
        "        pass\n"
        "    async with db.unit_of_work(tips=tips) as uow:\n"
        "        pass\n"
        "    services.transactions.append(1)\n"
    )
    assert _transactions(source) == [(2, "transaction"), (4, "unit_of_work")]


# -- background jobs live in jobs/ -----------------------------------------------------------------

#: The job queue's ways to schedule work.
SCHEDULING = {"run_repeating", "run_daily", "run_once", "run_monthly", "run_custom"}


def _scheduled(source: str) -> list[tuple[int, str]]:
    """The calls `….run_daily(…)` (and the queue's other ways to schedule) in a module, by line."""
    return [
        (node.lineno, node.func.attr)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SCHEDULING
    ]


def test_every_background_job_is_scheduled_in_jobs():
    """What runs on a timer lives in jobs/ (bot → jobs → handlers): no handler or bot module schedules."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: .{name}("
        for package in ("handlers", "bot", "services", "storage", "core")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in _scheduled(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert _scheduled("app.job_queue.run_daily(job, at)\nx.run(1)\n") == [(1, "run_daily")]
    assert {name for path in (ROOT / "jobs").rglob("*.py") for _l, name in _scheduled(path.read_text("utf-8"))} == {
        "run_repeating",
        "run_daily",
        "run_once",
    }
