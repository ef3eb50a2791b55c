"""The boundaries in docs/architecture.md, checked on the source: engines import no Django, wings never
import each other, engines never import a wing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "mandate"
ENGINES = ["law", "crypto", "policy", "stats"]


def imports_of(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in (SRC / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(SRC)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(SRC)), node.module))
    return found


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_import_no_django_and_no_wing(engine: str) -> None:
    bad = [(f, m) for f, m in imports_of(engine)
           if m.split(".")[0] == "django" or m.startswith(("mandate.union", "mandate.workplace", "mandate.platform"))]
    assert bad == []


@pytest.mark.parametrize("wing,other", [("union", "workplace"), ("workplace", "union")])
def test_wings_never_import_each_other(wing: str, other: str) -> None:
    assert [(f, m) for f, m in imports_of(wing) if m.startswith(f"mandate.{other}")] == []


def test_platform_imports_no_wing() -> None:
    assert [(f, m) for f, m in imports_of("platform")
            if m.startswith(("mandate.union", "mandate.workplace")) and not f.endswith("urls.py")] == []
