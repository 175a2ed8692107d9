"""The shape of the code, checked: which stage may load what, no import cycles, small modules and functions.

docs/architecture.md explains the rules; these tests keep them true as the code grows.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "newsarchive"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60

#: importing the module on the left must not load any module starting with a name on the right
_CRAWLER = ("scrapy", "twisted")
_EXTRACTOR = ("lxml", "newsarchive.sites", "newsarchive.extract.core", "newsarchive.extract.layers")
_STORE_NEVER = (*_CRAWLER, *_EXTRACTOR, "matplotlib", "datasette")
LOADS_NOTHING_OF = {
    "newsarchive.extract": (*_CRAWLER, "sqlite_utils", "click", "newsarchive.store", "newsarchive.cli"),
    # whoever reads the archive (search, stats, serve) waits for no extractor, crawler or drawing
    "newsarchive.store": _STORE_NEVER,
    "newsarchive.store.archive, newsarchive.store.reports": (*_STORE_NEVER, "newsarchive.web"),
    "newsarchive.ingest": (*_CRAWLER, "newsarchive.cli", "newsarchive.spiders"),
    "newsarchive.reextract": (*_CRAWLER, "newsarchive.cli", "newsarchive.spiders"),
    "newsarchive.warc": _CRAWLER,
    # Dask loads only when work runs on a Dask cluster
    "newsarchive.imports, newsarchive.parallel": (*_CRAWLER, "newsarchive.cli", "distributed", "dask"),
    "newsarchive.cli": (*_CRAWLER, "sqlite_utils", "lxml", "dateparser", "numpy", "distributed"),
}

#: a package on the left never imports one on the right (data flows discover -> fetch -> extract -> store ->
#: search; the command line sits on top and nothing imports it)
NEVER_IMPORTS = {
    "newsarchive.extract": (
        "newsarchive.store",
        "newsarchive.spiders",
        "newsarchive.cli",
        "newsarchive.ingest",
    ),
    "newsarchive.store": (
        "newsarchive.spiders",
        "newsarchive.cli",
        "newsarchive.ingest",
        "newsarchive.crawl",
        "newsarchive.imports",
        "newsarchive.parallel",
    ),
    "newsarchive.sites": (
        "newsarchive.extract",
        "newsarchive.store",
        "newsarchive.spiders",
        "newsarchive.cli",
    ),
}

#: functions allowed over MAX_FUNCTION_LINES, each with why it reads better whole
LONG_FUNCTIONS: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of the package this one imports, at its top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), or of one importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return groups


@pytest.mark.parametrize("module", sorted(LOADS_NOTHING_OF))
def test_a_stage_loads_only_what_it_needs(module: str) -> None:
    forbidden = LOADS_NOTHING_OF[module]
    script = (
        f"import sys, {module}\n"
        f"print(sorted({{m.split('.')[0] if not m.startswith('newsarchive') else m for m in sys.modules"
        f" if m.startswith({forbidden!r})}}))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", f"importing {module} loads {result.stdout.strip()}"


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_data_flows_one_way() -> None:
    wrong = [
        f"{importer} imports {imported}"
        for importer, imported_modules in _import_graph().items()
        for lower, higher in NEVER_IMPORTS.items()
        if importer == lower or importer.startswith(lower + ".")
        for imported in imported_modules
        if imported.startswith(higher)
    ]
    assert wrong == []


def test_modules_and_functions_are_small() -> None:
    too_long = []
    for name, path in _modules().items():
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and f"{name}.{node.name}" not in LONG_FUNCTIONS:
                    too_long.append(f"{name}.{node.name}: {lines} lines")
    assert too_long == []
