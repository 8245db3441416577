"""The engine stays a pure library, and its registry is consistent."""

import ast
from pathlib import Path

import sanshen.engine
from sanshen.engine.findings import CATEGORIES
from sanshen.engine.registry import FAMILIES

ENGINE_DIR = Path(sanshen.engine.__file__).parent


def test_engine_never_imports_django():
    for path in ENGINE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] == "django" for n in names), f"{path} imports Django"


def test_one_family_per_category():
    assert sorted(cls.family for cls in FAMILIES) == sorted(CATEGORIES)


def test_package_docstring_example_holds():
    import doctest

    result = doctest.testmod(sanshen.engine)
    assert result.attempted >= 1 and result.failed == 0
