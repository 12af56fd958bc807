"""House rules a test can check (docs/architecture.md): the levels of wayvo_app/, a thin web layer,
one owner of the execution SQL, and no import cycles. Every import counts, function-level ones too.
"""

import ast
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "wayvo_app"
PACKAGE = "wayvo_app"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
FORBIDDEN = {"reflex", "fastapi", "starlette", "apscheduler"}
# Each level may import only the levels below it. `settings` (environment variables read once)
# imports nothing of ours and sits under store/, so every level from the store up may import it.
# `routes` (the app's URLs as constants and builders) is a leaf too: mail and services write links.
LEAVES = ("settings", "routes")
LEVELS = {
    "core": {"core"},
    "store": {"core", "store", "settings"},
    "mail": {"core", "store", "mail", *LEAVES},
    "datasources": {"core", "store", "datasources", *LEAVES},
    "engine": {"core", "store", "mail", "datasources", "engine", *LEAVES},
    "services": {"core", "store", "mail", "datasources", "engine", "services", *LEAVES},
}
# core/ is the workflow language, pure: it computes on values and reaches no database, network or
# framework. The only packages it may use are those that do the same: jinja2 (+ markupsafe, the
# escaped-string type jinja2 hands back) for templates, croniter for schedule specs, pytimeparse
# for duration text. The store's are its database drivers and migration tool.
THIRD_PARTY = {
    "core": {"jinja2", "markupsafe", "croniter", "pytimeparse"},
    "store": {"sqlalchemy", "sqlmodel", "alembic", "psycopg"},
}
FRAMEWORK_FREE = {name: FORBIDDEN for name in ("store", "engine", "services", "nodes", "mail", "datasources")}
FRAMEWORK_FREE["core"] = FORBIDDEN | {"sqlalchemy", "sqlmodel"}
# The web layer: it calls services, and may name node types through the engine's registry.
WEB = {"api", "pages", "components", "cli", "state", "routes"}
WEB_ENGINE_DOOR = "wayvo_app.engine.registry"
SESSION_OPENERS = {"session", "read_session", "Session"}
# The execution, step and wait tables: only store/ holds a statement on them.
TABLES = {"Execution", "ExecutionStep", "ExecutionLog", "ApprovalRequest", "ApprovalDecision",
          "ApprovalAudience", "WaitEvent", "BufferedSignal", "ScheduleFire"}
TABLE_NAMES = re.compile(r"\b(executions|execution_steps|execution_logs|approval_requests|approval_decisions"
                         r"|approval_audience|wait_events|buffered_signals|schedule_fires)\b")
STATEMENT_VERBS = {"select", "update", "delete", "insert", "get", "add", "query"}


@lru_cache
def _load(root: Path = ROOT) -> dict[str, ast.Module]:
    """Every module of the package by dotted name (a package by its own name, not `__init__`);
    parsed once for all the tests, which only read the trees."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = ast.parse(path.read_text(), filename=str(path))
    return modules


def _level(module: str) -> str:
    """`wayvo_app.store.waits` -> `store`; `wayvo_app.cli` -> `cli`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(module: str, tree: ast.Module, known: set[str]) -> list[tuple[str, int]]:
    """(imported module, line) for every import statement; `from a import b` names `a.b` when b is
    a module of the package, else `a`. Relative imports are resolved against `module`."""
    is_package = any(name.startswith(module + ".") for name in known) or module == PACKAGE
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.append((child if child in known else base, node.lineno))
    return found


def _listed(offenders: list[tuple[str, int, str]]) -> list[str]:
    """`module:line what`, sorted by module then line, each once."""
    return [f"{module}:{line} {what}" for module, line, what in sorted(set(offenders))]


def _ours(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def level_offenders(modules: dict[str, ast.Module]) -> list[str]:
    """Imports that break LEVELS (our modules) or THIRD_PARTY (other packages)."""
    offenders = []
    for module, tree in modules.items():
        level = _level(module)
        if level not in LEVELS:
            continue
        for name, line in _imports(module, tree, set(modules)):
            root = name.split(".")[0]
            if _ours(name):
                bad = _level(name) not in LEVELS[level]
            else:
                bad = level in THIRD_PARTY and root not in STDLIB and root not in THIRD_PARTY[level]
            if bad:
                offenders.append((module, line, f"imports {name}"))
    return _listed(offenders)


def framework_offenders(modules: dict[str, ast.Module]) -> list[str]:
    """Framework (and, in core/, SQL) imports below the web layer."""
    offenders = []
    for module, tree in modules.items():
        banned = FRAMEWORK_FREE.get(_level(module), set())
        for name, line in _imports(module, tree, set(modules)):
            if name.split(".")[0] in banned:
                offenders.append((module, line, f"imports {name}"))
    return _listed(offenders)


def web_import_offenders(modules: dict[str, ast.Module]) -> list[str]:
    """Web modules importing the store, or the engine other than its registry."""
    offenders = []
    for module, tree in modules.items():
        if _level(module) not in WEB:
            continue
        for name, line in _imports(module, tree, set(modules)):
            if _ours(name) and (_level(name) == "store" or _level(name) == "engine" and name != WEB_ENGINE_DOOR):
                offenders.append((module, line, f"imports {name}"))
    return _listed(offenders)


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def session_offenders(modules: dict[str, ast.Module]) -> list[str]:
    """Web modules that open a database session themselves (`db.session()`, `read_session()`,
    `Session(engine)`, `rx.session()`)."""
    return _listed([(module, node.lineno, f"calls {_call_name(node)}()")
                    for module, tree in modules.items() if _level(module) in WEB
                    for node in ast.walk(tree) if isinstance(node, ast.Call) and _call_name(node) in SESSION_OPENERS])


def _chain_top(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST:
    """The whole method chain a call sits in: `select(A).join(B).where(B.x)` from `select(A)`."""
    while (parent := parents.get(node)) is not None and (
            isinstance(parent, ast.Attribute) and parent.value is node
            or isinstance(parent, ast.Call) and parent.func is node):
        node = parent
    return node


def _table_aliases(tree: ast.Module) -> dict[str, str]:
    """Local names bound to a table class (`from ...models import Execution as E` gives E)."""
    aliases = {name: name for name in TABLES}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            aliases.update({alias.asname: alias.name for alias in node.names if alias.asname and alias.name in TABLES})
    return aliases


def _tables_named(node: ast.AST, aliases: dict[str, str]) -> set[str]:
    named = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in aliases:
            named.add(aliases[sub.id])
        elif isinstance(sub, ast.Attribute) and sub.attr in TABLES:
            named.add(sub.attr)
    return named


def _is_raw_sql(call: ast.Call) -> bool:
    """`text(...)`, `sa.text(...)` or `exec_driver_sql(...)`; `rx.text(...)` is a label, not SQL."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "text"
    return isinstance(func, ast.Attribute) and (func.attr == "exec_driver_sql" or func.attr == "text" and not (
        isinstance(func.value, ast.Name) and func.value.id == "rx"))


def statement_offenders(modules: dict[str, ast.Module]) -> list[str]:
    """Outside store/: a select/update/delete/insert (or session get/add/query) naming an execution,
    step or wait table or one of its columns, or raw SQL text naming such a table."""
    offenders = []
    for module, tree in modules.items():
        if _level(module) == "store":
            continue
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        aliases = _table_aliases(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            verb = _call_name(node)
            if verb in STATEMENT_VERBS and (named := _tables_named(_chain_top(node, parents), aliases)):
                offenders.append((module, node.lineno, f"{verb}() on {', '.join(sorted(named))}"))
            elif _is_raw_sql(node) and any(isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                                        and TABLE_NAMES.search(arg.value) for arg in node.args):
                offenders.append((module, node.lineno, "raw SQL on an execution table"))
    return _listed(offenders)


def import_graph(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in its source. Imports under
    `if TYPE_CHECKING:` count too: two modules that each need the other's names are one unit."""
    known = set(modules)
    return {module: {name for name, _ in _imports(module, tree, known) if name in known and name != module}
            for module, tree in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a -> b -> ... -> a) per strongly connected group of modules (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while node not in group:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
            groups.append(group)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph) + 100))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(sorted(group)[0], group, graph) for group in groups if len(group) > 1]


def _cycle_in(start: str, group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """The shortest path start -> ... -> start inside one strongly connected group."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for target in sorted(graph[path[-1]] & group):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                paths.append([*path, target])
    raise AssertionError(f"no cycle through {start}")


def _report(offenders: list[str]) -> str:
    return "\n" + "\n".join(offenders)


def test_levels_import_only_the_levels_below():
    offenders = level_offenders(_load())
    assert not offenders, _report(offenders)


def test_leaves_import_nothing_of_ours():
    """settings and routes may be imported from every level only because they import nothing back."""
    modules = _load()
    offenders = [f"{leaf}:{line} imports {name}" for leaf in LEAVES
                 for name, line in _imports(f"{PACKAGE}.{leaf}", modules[f"{PACKAGE}.{leaf}"], set(modules))
                 if _ours(name)]
    assert not offenders, _report(offenders)


def test_core_store_engine_services_nodes_import_no_framework():
    offenders = framework_offenders(_load())
    assert not offenders, _report(offenders)


def test_web_layer_imports_no_store_and_only_the_engine_registry():
    offenders = web_import_offenders(_load())
    assert not offenders, _report(offenders)


def test_web_layer_opens_no_database_session():
    offenders = session_offenders(_load())
    assert not offenders, _report(offenders)


def test_only_the_store_holds_statements_on_execution_step_and_wait_tables():
    offenders = statement_offenders(_load())
    assert not offenders, _report(offenders)


def test_no_import_cycles():
    cycles = import_cycles(import_graph(_load()))
    assert not cycles, _report([" -> ".join(cycle) for cycle in cycles])


def _fake(**sources: str) -> dict[str, ast.Module]:
    """Modules from source text, keyed by dotted name with `__` for `.` (`core__graph`)."""
    return {f"{PACKAGE}.{key.replace('__', '.')}": ast.parse(text) for key, text in sources.items()}


def test_rule_detects_a_forbidden_import():
    modules = _fake(engine__x="import reflex as rx\n", core__y="def f():\n    from fastapi import FastAPI\n")
    assert framework_offenders(modules) == ["wayvo_app.core.y:2 imports fastapi",
                                            "wayvo_app.engine.x:1 imports reflex"]


def test_level_rule_detects_an_upward_import_and_an_impure_package():
    modules = _fake(core__a="import json\nimport jinja2\nimport httpx\n", core__b="from ..store import db\n",
                    store__db="from wayvo_app.core import a\nfrom wayvo_app.engine import executor\n",
                    engine__executor="from wayvo_app.services.x import y\n", services__x="")
    assert level_offenders(modules) == ["wayvo_app.core.a:3 imports httpx", "wayvo_app.core.b:1 imports wayvo_app.store.db",
                                        "wayvo_app.engine.executor:1 imports wayvo_app.services.x",
                                        "wayvo_app.store.db:2 imports wayvo_app.engine.executor"]


def test_core_rule_detects_sqlalchemy():
    assert framework_offenders(_fake(core__a="from sqlmodel import select\n")) == ["wayvo_app.core.a:1 imports sqlmodel"]


def test_web_rule_detects_store_and_engine_imports_but_allows_the_registry():
    modules = _fake(pages__p="from wayvo_app.store.models import User\nfrom wayvo_app.engine import registry\n",
                    cli="import wayvo_app.engine.executor\n", store__models="",
                    engine__registry="", engine__executor="")
    assert web_import_offenders(modules) == ["wayvo_app.cli:1 imports wayvo_app.engine.executor",
                                             "wayvo_app.pages.p:1 imports wayvo_app.store.models"]


def test_session_rule_detects_each_way_of_opening_one():
    source = "def f():\n    with db.session() as s:\n        pass\n    read_session()\n    Session(e)\n    LoginSession()\n"
    assert session_offenders(_fake(state=source, services__ok=source)) == [
        "wayvo_app.state:2 calls session()", "wayvo_app.state:4 calls read_session()", "wayvo_app.state:5 calls Session()"]


def test_statement_rule_detects_statements_on_execution_tables_outside_the_store():
    source = ("from wayvo_app.store.models import Execution as E, Workflow\n"
              "a = select(Workflow.id).join(E).where(E.status == 'x')\n"
              "b = update(ExecutionStep).values(status='done')\n"
              "s.add(models.WaitEvent(key='k'))\n"
              "c = s.get(Workflow, 1)\n"
              "d = text('DELETE FROM buffered_signals')\n"
              "e = rx.text('All executions of this workflow')\n")
    assert statement_offenders(_fake(services__x=source, store__executions=source)) == [
        "wayvo_app.services.x:2 select() on Execution", "wayvo_app.services.x:3 update() on ExecutionStep",
        "wayvo_app.services.x:4 add() on WaitEvent", "wayvo_app.services.x:6 raw SQL on an execution table"]


def test_cycle_rule_finds_and_prints_a_cycle_through_a_function_level_import():
    modules = _fake(a="from wayvo_app import b\n", b="def f():\n    from wayvo_app.c import x\n",
                    c="import wayvo_app.a\nx = 1\n", d="import wayvo_app.a\n")
    assert import_cycles(import_graph(modules)) == [["wayvo_app.a", "wayvo_app.b", "wayvo_app.c", "wayvo_app.a"]]
