"""Pages and API routes pass the signed-in identity to every guarded domain function (checked on the source).

A guarded function called without `identity=` acts as the process owner (`cli:<os user>`, admin): right for the
command line and scripts, wrong in the dashboard and the API, so this test fails when a page or route forgets it.
API routes that check and audit an action themselves (`with audited(...)` in `suite.api.access`) are exempt.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from suite.auth.trail import OWNER

ROOT = Path(__file__).resolve().parents[2]
GUARDED_IN = (
    "suite.support.service",
    "suite.recommend.service",
    "suite.inspect.service",
    "suite.transcribe.service",
    "suite.risk.service",
    "suite.registry.versions",
    "suite.review.queue",
    "suite.jobs.queue",
    "suite.ops.export",
    "suite.lifecycle",
)


def guarded_names() -> set[str]:
    names = set()
    for module_name in GUARDED_IN:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if callable(value) and not inspect.isclass(value):
                try:
                    parameter = inspect.signature(value).parameters.get("identity")
                except (TypeError, ValueError):
                    continue
                if parameter is not None and parameter.default is OWNER:
                    names.add(name)
    return names


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _unpassed(path: Path, guarded: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt: set[int] = set()
    for node in ast.walk(tree):  # calls inside `with audited(...)` blocks are checked and audited by the route
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call) and _called(item.context_expr) == "audited" for item in node.items
        ):
            exempt |= {id(inner) for inner in ast.walk(node)}
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in guarded and id(node) not in exempt:
            if not any(keyword.arg == "identity" for keyword in node.keywords):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {_called(node)} without identity=")
    return problems


def test_the_guarded_functions_are_found():
    names = guarded_names()
    assert {"ask", "promote", "rollback", "decide", "export_table", "act_on_alert", "save_vocabulary"} <= names


def test_pages_and_api_routes_pass_the_identity():
    guarded = guarded_names()
    files = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "suite" / "api" / "routes").glob("*.py"))
    problems = [problem for path in files for problem in _unpassed(path, guarded)]
    assert not problems, "\n".join(problems)
