"""The import rules of ARCHITECTURE.md, checked on the source: every import counts, the ones inside
function bodies too (a function-local import that dodges a cycle is a wrong-way dependency)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from django.conf import settings

# Lower first: each may import those before it, never one after it. ``loadgen`` and ``bench`` are
# tools above every app, which no app imports.
LAYERS = ("oms", "inventory", "orders", "fulfillment", "billing", "returns", "reporting", "loadgen", "bench")


@cache
def modules() -> dict[str, Path]:
    root = Path(settings.BASE_DIR)
    found = {}
    for package in LAYERS:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _owner(dotted: str) -> str | None:
    """The project module ``dotted`` names or lies in (``orders.models.Order`` -> ``orders.models``)."""
    while dotted and dotted not in modules():
        dotted = dotted.rpartition(".")[0]
    return dotted or None


@cache
def imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(_owner(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules() else _owner(base))
        graph[name] = {t for t in targets if t and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_two_modules_import_each_other_even_inside_functions():
    assert _cycles(imports()) == []


def test_imports_point_downward_only():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in imports().items()
        for target in targets
        if rank[target.split(".")[0]] > rank[source.split(".")[0]]
    )
    assert upward == []


def _is_read_side(module: str) -> bool:
    return any(part == "selectors" or part.endswith("_selectors") for part in module.split("."))


def _is_write_side(module: str) -> bool:
    return any(part == "services" for part in module.split("."))


def test_read_never_imports_write():
    """Selectors (every app's ``selectors``/``*_selectors`` modules) import no service module."""
    found = sorted(
        f"{source} -> {target}"
        for source, targets in imports().items()
        if _is_read_side(source)
        for target in targets
        if _is_write_side(target)
    )
    assert found == []
    assert _is_read_side("orders.selectors.order_detail") and _is_read_side("inventory.screen_selectors")


def _code_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """``code="..."`` arguments, ``code = "..."``/``default_code = "..."`` attributes and
    ``{"code": "..."}`` entries whose value is a string literal."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.keyword) and node.arg in ("code", "default_code")) or (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id in ("code", "default_code") for t in node.targets)
        ):
            value = node.value
        elif isinstance(node, ast.Dict):
            value = next(
                (
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "code"
                ),
                None,
            )
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.append((value.lineno, value.value))
    return found


def test_error_codes_come_from_each_apps_catalogue():
    """Every error code is a member of ``<app>.error_codes`` (a StrEnum), not a literal where it is
    raised. Django form errors keep Django's own codes (``required``, ``min_value``), and routing's
    reason codes are decisions, not errors."""
    allowed = {"error_codes", "forms", "routing"}
    scattered = sorted(
        f"{name}:{line} {value!r}"
        for name, path in modules().items()
        if name.split(".")[0] in ("oms", "inventory", "orders") and name.rpartition(".")[2] not in allowed
        for line, value in _code_literals(ast.parse(path.read_text(encoding="utf-8")))
    )
    assert scattered == []


def test_the_checker_sees_imports_inside_functions_and_finds_a_cycle():
    """The rules above are only as good as the graph they read."""
    assert _cycles({"a.x": {"a.y"}, "a.y": {"a.x"}, "a.z": {"a.x"}}) == [["a.x", "a.y"]]
    assert "oms.models" in imports()["oms.outbox"]
    assert "loadgen.generator" in imports()["bench.parts"]  # imported inside load_marker()
    assert sorted(_code_literals(ast.parse('raise E("m", code="x")\nclass F:\n    code = "y"\n{"code": "z"}'))) == [
        (1, "x"),
        (3, "y"),
        (4, "z"),
    ]
