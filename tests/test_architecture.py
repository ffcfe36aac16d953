"""The shape of the code: imports run one way, and the core stays small.

Read with `ast`, not by importing, so a circle that Python happens to tolerate
today (an import placed late in a module) is found as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("camp", "reports")
MAX_TOP_LEVEL_MODULES = 15


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> project modules it imports, counting the packages a dotted
    import loads on the way (importing a.b.c runs a/__init__ and a/b/__init__)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in imported_names(node, module, path.name == "__init__.py"):
                    parts = name.split(".")
                    targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[module] = {t for t in targets if t in modules and t != module}
        # A module's own packages are loaded before it, not by it.
        graph[module] -= {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for target in sorted(graph[module]):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if cycle := visit(module):
            return cycle
    return None


def test_no_module_imports_itself_through_a_chain():
    cycle = find_cycle(import_graph(project_modules()))
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_function_imports_a_project_module():
    """Local imports exist only to dodge circles; Django's ready() is the exception."""
    modules = project_modules()
    local = []
    for module, path in modules.items():
        for function in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == "ready":
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = imported_names(node, module, path.name == "__init__.py")
                    if any(name.split(".")[0] in PACKAGES for name in names):
                        local.append(f"{module}.{function.name}: {ast.unparse(node)}")
    assert local == []


def test_the_core_keeps_few_top_level_modules():
    """Features live in packages of their own (reports/github/, reports/reminders/ ...)."""
    modules = sorted(p.name for p in (ROOT / "reports").glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules


# The top-level modules of reports/ that wire features in rather than hold core
# rules: Django imports reports.admin to fill the admin site (each feature's
# admin too), and reports.apps connects the features' signal receivers.
DOORS = {"reports.admin", "reports.apps"}

# Packages of reports/ that belong to the core rather than being features.
CORE_PACKAGES = {"models"}


def package_of(module: str) -> str:
    """The package a module belongs to for the one-way rule: `camp`, the core
    (`reports`: its top-level modules and reports.models), a feature
    (`reports.github`, ...), or `doors` (reports.admin, reports.apps)."""
    parts = module.split(".")
    if parts[0] != "reports":
        return parts[0]
    if module in DOORS:
        return "doors"
    if len(parts) > 1 and parts[1] not in CORE_PACKAGES and (ROOT / "reports" / parts[1]).is_dir():
        return f"reports.{parts[1]}"
    return "reports"


def test_the_core_imports_no_feature():
    """Features use the core; the core tells features what happened through
    signals (reports.reviews.review_posted, reports.submissions.report_resubmitted)."""
    graph = import_graph(project_modules())
    reaching = {
        module: sorted(t for t in targets if package_of(t) not in {"reports", "camp"})
        for module, targets in graph.items()
        if package_of(module) == "reports"
    }
    assert {module: found for module, found in reaching.items() if found} == {}


# The one tie allowed to run both ways: the roster import (camp) lays out a
# cohort's periods with the core's calendar, while the core reads camp's models.
ALLOWED_TWO_WAY = {("camp.roster", "reports.periods")}


def two_way_ties(graph: dict[str, set[str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Pairs of packages that import each other, with the imports that tie
    them (both directions), leaving out the allowed ones."""
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for module, targets in graph.items():
        for target in targets:
            # Importing reports.periods also loads the package reports.
            if any(
                module == allowed and (target == to or to.startswith(target + "."))
                for allowed, to in ALLOWED_TWO_WAY
            ):
                continue
            pair = (package_of(module), package_of(target))
            if pair[0] != pair[1] and "doors" not in pair:
                edges.setdefault(pair, []).append((module, target))
    return {
        (a, b): sorted(edges[(a, b)] + edges[(b, a)])
        for a, b in sorted(edges)
        if a < b and (b, a) in edges
    }


def test_no_two_packages_import_each_other():
    """Package-level ties run one way too: camp below reports, the core below
    its features, and no two features leaning on each other."""
    assert two_way_ties(import_graph(project_modules())) == {}


def test_the_tie_finder_finds_two_packages_leaning_on_each_other():
    graph = {
        "reports.reminders.messages": {"reports.reviewing.queue"},
        "reports.reviewing.events": {"reports.reminders.tasks"},
        "reports.reviewing.queue": set(),
        "reports.reminders.tasks": set(),
        "camp.roster": {"reports.periods"},
        "reports.periods": {"camp.models"},
        "camp.models": set(),
    }
    assert two_way_ties(graph) == {
        ("reports.reminders", "reports.reviewing"): [
            ("reports.reminders.messages", "reports.reviewing.queue"),
            ("reports.reviewing.events", "reports.reminders.tasks"),
        ]
    }


def _module_level_connections(tree: ast.Module) -> list[str]:
    """Signal receivers connected when the module is imported: `x.connect(...)`
    calls and `@receiver` decorators outside any function."""
    found = []
    body = list(tree.body)
    while body:
        node = body.pop()
        if isinstance(node, ast.For | ast.If | ast.With | ast.Try):
            body.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "connect":
                found.append(ast.unparse(node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Name | ast.Attribute) and ast.unparse(call).endswith(
                    "receiver"
                ):
                    found.append(f"@receiver on {node.name}")
    return found


def test_no_models_or_tasks_module_connects_a_receiver():
    """Receivers live in a feature's receivers module, imported from
    ReportsConfig.ready(): importing models or tasks connects nothing."""
    connected = {}
    for module, path in project_modules().items():
        parts = module.split(".")
        if parts[-1] not in {"models", "tasks"} and "models" not in parts[:-1]:
            continue
        if found := _module_level_connections(ast.parse(path.read_text(), str(path))):
            connected[module] = found
    assert connected == {}


def test_the_connection_finder_finds_module_level_receivers():
    tree = ast.parse(
        "post_save.connect(f, sender=A)\n"
        "for m in MODELS:\n    post_delete.connect(g, sender=m)\n"
        "@receiver(post_save)\ndef h(sender, **kw): pass\n"
        "def inside():\n    post_save.connect(f)\n"
    )
    assert sorted(_module_level_connections(tree)) == [
        "@receiver on h",
        "post_delete.connect(g, sender=m)",
        "post_save.connect(f, sender=A)",
    ]


def test_the_core_admin_stays_a_door():
    """Each feature owns its admin (reports/reviewing/admin.py, ...); the core's
    registers the periods and allowances and imports the features' admins."""
    assert len((ROOT / "reports" / "admin.py").read_text().splitlines()) <= 200
