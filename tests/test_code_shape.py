"""The code keeps the shape the project promises: small modules, short functions, rooms.

A module in ``app/``, ``analysis/``, ``collectors/``, ``storage/`` or ``lifecycle/`` has at
most 300 lines, a function at most 60 (a measured hot loop may be longer when its docstring
says "hot loop" and why), a JavaScript file in ``assets/`` at most 300 lines, and every package
says in its ``__init__`` docstring what lives there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "analysis", "collectors", "storage", "lifecycle")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
MAX_SCRIPT_LINES = 300


def python_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def long_functions(path: Path) -> list[str]:
    """``name (N lines)`` of each function over the limit that does not say it is a hot loop."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        if length > MAX_FUNCTION_LINES and "hot loop" not in (ast.get_docstring(node) or ""):
            found.append(f"{node.name} ({length} lines)")
    return found


def test_the_checks_see_the_code() -> None:
    assert len(python_modules()) > 50
    assert len(list((ROOT / "assets").glob("*.js"))) >= 5


@pytest.mark.parametrize("path", python_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_module_is_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines"
    assert long_functions(path) == []


@pytest.mark.parametrize(
    "path", sorted((ROOT / "assets").glob("*.js")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_script_is_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_SCRIPT_LINES, f"{lines} lines"


def test_every_package_says_what_lives_there() -> None:
    undocumented = [
        str(init.relative_to(ROOT))
        for package in PACKAGES
        for init in (ROOT / package).rglob("__init__.py")
        if len(ast.get_docstring(ast.parse(init.read_text())) or "") < 80
    ]
    assert undocumented == []


def test_a_long_function_is_found(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    module = tmp_path / "m.py"
    module.write_text(f"def long():\n{body}\n")
    assert long_functions(module) == [f"long ({MAX_FUNCTION_LINES + 1} lines)"]
    module.write_text(f'def long():\n    """A hot loop: measured."""\n{body}\n')
    assert long_functions(module) == []
