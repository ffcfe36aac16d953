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


def test_the_core_imports_no_feature():
    """Features use the core; the core tells features what happened through
    signals (reports.reviews.review_posted, reports.submissions.report_resubmitted)."""
    modules = project_modules()
    features = {
        name
        for name in modules
        if name.count(".") == 1 and (ROOT / "reports" / name.split(".")[1]).is_dir()
    }
    core = {
        name
        for name in modules
        if name.count(".") == 1 and name not in features and name.startswith("reports.")
    }
    graph = import_graph(modules)
    reaching = {
        module: sorted(
            t for t in graph[module] if any(t == f or t.startswith(f + ".") for f in features)
        )
        for module in sorted(core - DOORS)
    }
    assert {module: found for module, found in reaching.items() if found} == {}
