"""The one-way rule of the layout (shared/DESIGN.md, section Layout), read from the code.

Every module of the project's packages is parsed (ast) and each import, at the top or
inside a function, is checked against what its package may import."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["core", "listings", "articles", "leads", "g60portal", "demo", "bench"]
APPS = {"listings", "articles", "leads"}
# What each package may import of the project's own packages (besides itself).
ALLOWED = {
    "core": set(),
    "listings": {"core"},
    "articles": {"core", "listings"},
    "leads": {"core", "listings", "articles"},
    "g60portal": {"core"} | APPS,
    "demo": {"core", "g60portal"} | APPS,
    "bench": {"core", "g60portal"} | APPS,
}


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


def _imported_packages(path):
    """The top-level names of every module ``path`` imports, with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


def _arrows_against_the_rules():
    wrong = []
    for package, path in _modules():
        for target, line in _imported_packages(path):
            if target in PACKAGES and target != package and target not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return wrong


def test_every_package_of_the_layout_exists():
    missing = [name for name in PACKAGES if not (ROOT / name / "__init__.py").exists()]
    assert missing == []


def test_no_import_runs_against_the_layers():
    assert _arrows_against_the_rules() == []


@pytest.mark.parametrize(
    ("package", "source", "allowed"),
    [
        ("core", "from listings.models import Listing\n", False),
        ("core", "def f():\n    from g60portal import settings\n", False),
        ("listings", "import articles.models\n", False),
        ("articles", "from listings.models import Park\n", True),
        ("leads", "from bench.timing import time_call\n", False),
        ("leads", "from demo import data\n", False),
        ("g60portal", "from leads.models import Inquiry\n", True),
        ("g60portal", "from demo.loader import load\n", False),
    ],
)
def test_the_checker_sees_arrows_at_any_depth(tmp_path, package, source, allowed):
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    targets = {name for name, _ in _imported_packages(path)}
    verdict = all(t == package or t not in PACKAGES or t in ALLOWED[package] for t in targets)
    assert verdict is allowed
