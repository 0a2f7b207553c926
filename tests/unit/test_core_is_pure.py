from __future__ import annotations

import ast
import sys
from pathlib import Path

import bitcode_core

CORE = Path(bitcode_core.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_core_imports_only_the_standard_library_and_itself():
    allowed = set(sys.stdlib_module_names) | {"bitcode_core"}
    offenders = {
        str(path.relative_to(CORE)): sorted(imported_roots(path) - allowed)
        for path in CORE.rglob("*.py")
        if imported_roots(path) - allowed
    }

    assert offenders == {}


def test_the_core_reads_no_clock_and_touches_no_network():
    forbidden = {"time", "datetime", "socket", "subprocess", "random", "os"}
    offenders = {
        str(path.relative_to(CORE)): sorted(imported_roots(path) & forbidden)
        for path in CORE.rglob("*.py")
        if imported_roots(path) & forbidden
    }

    assert offenders == {}
