"""No library-only code: every public function in ``*/analytics/`` and ``*/services/`` is reachable.

"Reachable" means a page, a management command, a Celery task that something queues or schedules,
or Django itself (settings, URLconfs, app configs, admin, models, template tags) leads to it through
a chain of references. The check is a name-level call graph built with ``ast``, not an import
resolver, and it is deliberately simple:

- nodes are the top-level functions, classes and assignments of every non-test module of the apps;
  a node's references are the names and attribute names read in its body (imports are not uses;
  ``from m import f as g`` makes a use of ``g`` count for ``f``), plus string constants that name
  it (``"research.tasks.build_signal_reports"``); docstrings are not references;
- roots are whole files Django or Celery load by convention (``urls.py``, ``apps.py``, ``admin.py``,
  ``models.py``, ``config/``, ``management/commands/``, ``templatetags/``), module-level statements
  that run on import (not definitions or imports), and every word in ``templates/``;
- a node is reachable when a root or an already reachable node refers to its name. A reference from
  a node to itself does not count, nor do ``tests/``, ``bench/`` and ``scripts/``.

Names are matched without their module, so two functions with the same name share their fate: the
check can miss an unused function whose name is also used elsewhere, never flag a used one.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("quant", "warehouse", "research", "risk", "backtests", "console", "tax", "alerts")
ROOT_DIRS = ("config",)
ROOT_FILES = {"urls.py", "apps.py", "admin.py", "models.py"}
ROOT_PARENTS = {"commands", "templatetags"}
CHECKED_PARTS = {"analytics", "services"}
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# name -> why it may stay although nothing in the product reaches it. Keep this short.
ALLOWED: dict[str, str] = {}


@dataclass
class Module:
    path: Path
    root_refs: set[str] = field(default_factory=set)
    nodes: dict[str, set[str]] = field(default_factory=dict)
    public_functions: list[str] = field(default_factory=list)


def _refs(tree: ast.AST, aliases: dict[str, str]) -> set[str]:
    found: set[str] = set()
    docstrings = {
        id(body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (body := node.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
            found.add(aliases.get(node.id, node.id))
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and re.fullmatch(r"[\w.:]+", node.value)
        ):
            # "app.tasks.name", "name" or "module:name" spelled in a string (settings, beat, registries)
            found.add(re.split(r"[.:]", node.value)[-1])
    return found


def _parse(path: Path) -> Module:
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = {
        alias.asname: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname
    }
    module = Module(path)
    rel = path.relative_to(ROOT)
    whole_file_is_root = rel.parts[0] in ROOT_DIRS or path.name in ROOT_FILES or path.parent.name in ROOT_PARENTS
    checked = any(part in CHECKED_PARTS for part in rel.parts[:-1]) or path.name == "services.py"
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [stmt.name]
            if checked and not isinstance(stmt, ast.ClassDef) and not stmt.name.startswith("_"):
                module.public_functions.append(stmt.name)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if "__all__" in names:
                continue
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        else:
            names = []
        refs = _refs(stmt, aliases)
        if whole_file_is_root or not names:
            module.root_refs |= refs
        for name in names:
            module.nodes.setdefault(name, set()).update(refs - {name})
    return module


def _modules() -> list[Module]:
    paths = [
        path
        for top in (*APPS, *ROOT_DIRS)
        for path in sorted((ROOT / top).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    return [_parse(path) for path in paths]


def _template_words() -> set[str]:
    return {word for path in (ROOT / "templates").rglob("*.html") for word in WORD.findall(path.read_text())}


def unreachable_functions() -> list[str]:
    """``app/path.py:function`` for every public analytics/service function nothing reaches."""
    modules = _modules()
    reachable = _template_words().union(*(m.root_refs for m in modules))
    pending = [(name, refs) for m in modules for name, refs in m.nodes.items()]
    while True:
        newly = [(name, refs) for name, refs in pending if name in reachable]
        if not newly:
            break
        pending = [(name, refs) for name, refs in pending if name not in reachable]
        for _, refs in newly:
            reachable |= refs
    return [
        f"{m.path.relative_to(ROOT)}:{name}"
        for m in modules
        for name in m.public_functions
        if name not in reachable and name not in ALLOWED
    ]


def test_every_public_analytics_and_service_function_is_reachable() -> None:
    missing = unreachable_functions()
    assert not missing, (
        "public functions that no page, command or task reaches (wire them up, delete them, or add "
        "them to ALLOWED with a reason):\n  " + "\n  ".join(missing)
    )


def test_allow_list_names_only_functions_that_exist() -> None:
    defined = {name for m in _modules() for name in m.public_functions}
    assert set(ALLOWED) <= defined, set(ALLOWED) - defined
