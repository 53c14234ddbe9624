"""Dependencies point one way (SPEC §2): `resolvers` → `schema` → `animaltrack` → `store`, with
`tools` on top (and `bench` beside it). Every import of every module, at the top of a file or
inside a function, is checked against that order."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each package may import the packages after it in this list, never those before it.
LAYERS = ["bench", "tools", "resolvers", "schema", "animaltrack", "store"]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_no_package_imports_one_above_it():
    wrong = []
    for rank, package in enumerate(LAYERS):
        above = set(LAYERS[:rank])
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported in _imports(path) & above:
                wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert wrong == []
