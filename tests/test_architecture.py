"""The layering, checked on the source: pages → suite/<module>.service → pipelines/ and the store.

Fails when a module imports another module, when code outside a module reaches past its `service`/`models`,
when a page or a CLI imports `pipelines/` directly, when `pipelines/` imports a business module, or when
anything under `suite/` or `pipelines/` imports Streamlit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from suite.modules import MODULE_KEYS, all_hooks

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ("service", "models")  # what a module offers to the rest of the product


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def _owner(path: Path) -> str | None:
    """The business module a source file belongs to, if any."""
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "suite" and len(parts) > 2 and parts[1] in MODULE_KEYS else None


def _module_of(name: str) -> tuple[str, str] | None:
    parts = name.split(".")
    if parts[0] == "suite" and len(parts) > 1 and parts[1] in MODULE_KEYS:
        return parts[1], parts[2] if len(parts) > 2 else ""
    return None


def test_modules_do_not_import_each_other_and_outsiders_use_only_service_and_models():
    problems = []
    for path in _files("suite", "pages") + [ROOT / "app.py"]:
        owner = _owner(path)
        for name in _imports(path):
            target = _module_of(name)
            if target is None or target[0] == owner:
                continue
            if owner is not None:
                problems.append(f"{path.relative_to(ROOT)} imports module {target[0]} ({name})")
            elif target[1] not in ("", *PUBLIC):
                problems.append(f"{path.relative_to(ROOT)} reaches into {name}; use suite.{target[0]}.service")
    problems = sorted(set(problems))
    assert not problems, "\n".join(problems)


def test_pages_and_command_lines_do_not_import_pipelines():
    paths = _files("pages") + [ROOT / "app.py"] + sorted((ROOT / "suite").rglob("cli.py"))
    problems = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in _imports(path)
        if name == "pipelines" or name.startswith("pipelines.")
    ]
    problems = sorted(set(problems))
    assert not problems, "\n".join(problems)


def test_pipelines_do_not_import_business_modules():
    problems = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files("pipelines")
        for name in _imports(path)
        if _module_of(name) is not None
    ]
    problems = sorted(set(problems))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("folder", ["suite", "pipelines"])
def test_no_streamlit_below_the_pages(folder):
    problems = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(folder)
        for name in _imports(path)
        if name == "streamlit" or name.startswith("streamlit.")
    ]
    assert not problems, "\n".join(problems)


def test_every_module_has_the_same_files_and_the_typed_hooks():
    expected = {"__init__.py", "service.py", "models.py", "queries.py", "retrain.py", "demo.py", "cli.py", "schema.py"}
    for key in MODULE_KEYS:
        files = {p.name for p in (ROOT / "suite" / key).glob("*.py")}
        assert expected <= files, f"suite/{key} lacks {sorted(expected - files)}"
    assert set(all_hooks()) == set(MODULE_KEYS)  # raises TypeError when a hook's signature differs


def test_sql_lives_in_queries_files_and_the_store():
    """Module SQL belongs in the module's queries.py (schema.py holds its DDL)."""
    problems = []
    for key in MODULE_KEYS:
        for path in sorted((ROOT / "suite" / key).glob("*.py")):
            if path.name in ("queries.py", "schema.py"):
                continue
            text = path.read_text(encoding="utf-8")
            for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"):
                if f'"{keyword}' in text or f'"""{keyword}' in text or f"'{keyword}" in text:
                    problems.append(f"{path.relative_to(ROOT)} has SQL ({keyword.strip()})")
    problems += [f"pages/{p.name} has SQL" for p in _files("pages") if "SELECT " in p.read_text(encoding="utf-8")]
    problems = sorted(set(problems))
    assert not problems, "\n".join(problems)
