"""deepgrad/ is five layers whose imports point only down (see deepgrad/__init__.py): no module
imports one of a layer above its own, no two modules import each other through any path, and no
import of deepgrad hides inside a function, except in the command line's entry, which imports each
command's modules when that command runs (its docstring says why: time, not structure). The
student side (autograder/, dlkit/: what runs student code, and its toolkit) imports nothing of
the trusted side."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

LAYERS = ("base", "grading", "adapters", "runs", "commands")
# The one module allowed to import deepgrad inside its functions: the top of the top layer.
LAZY_ENTRY = "deepgrad.commands.cli"


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """0 for deepgrad's own __init__, 1..5 for a layer's modules, 6 for deepgrad.__main__."""
    parts = module.split(".")
    if len(parts) == 1:
        return 0
    if parts[1] == "__main__":
        return len(LAYERS) + 1
    return LAYERS.index(parts[1]) + 1 if parts[1] in LAYERS else -1


def imports_of(module: str, path: Path, package: str = "deepgrad"):
    """(imported module of ``package``, name taken from it or None, line, inside a function?) for
    every import in the file; ``from deepgrad.base import errors`` gives ("deepgrad.base", "errors")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found = []

    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, None, child.lineno, inside) for a in child.names if ours(a.name))
            elif isinstance(child, ast.ImportFrom):
                target = child.module or ""
                if child.level:
                    parts = module.split(".")
                    target = ".".join(parts[:len(parts) - child.level + is_package] + ([target] if target else []))
                if ours(target):
                    found.extend((target, a.name, child.lineno, inside) for a in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


def layer_problems(root: Path, package: str = "deepgrad") -> list[str]:
    """Every breach of the layering under ``root/package``, one line each."""
    paths = {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}
    problems, graph = [], {}
    for module, path in paths.items():
        own = layer_of(module)
        if own < 0:
            problems.append(f"{path.relative_to(root)}: not in a layer ({', '.join(LAYERS)})")
        edges = graph.setdefault(module, set())
        for target, name, line, in_function in imports_of(module, path, package):
            if f"{target}.{name}" in paths:  # `from deepgrad.base import errors`: the module
                target = f"{target}.{name}"
            where = f"{path.relative_to(root)}:{line}"
            if target not in paths or target == module:
                continue
            edges.add(target)
            if layer_of(target) > own:
                problems.append(f"{where}: {module} (layer {own}) imports {target} (layer {layer_of(target)}), above it")
            if in_function and module != LAZY_ENTRY:
                problems.append(f"{where}: {module} imports {target} inside a function")
    problems += [f"import circle: {' -> '.join(circle)}" for circle in _circles(graph)]
    return problems


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    circles, state = [], {}

    def walk(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                circles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    return circles


def test_deepgrad_imports_point_down_with_no_circle_and_none_hidden_in_a_function():
    assert layer_problems(ROOT) == []


@pytest.mark.parametrize("side", ["autograder", "dlkit"])
def test_what_runs_student_code_imports_nothing_of_the_trusted_side(side):
    found = [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / side).rglob("*.py"))
             for _, _, line, _ in imports_of(module_name(ROOT, path), path)]
    assert found == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"deepgrad/__init__.py": "", **{f"deepgrad/{layer}/__init__.py": "" for layer in LAYERS},
                       **files}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("files, says", [
    ({"deepgrad/base/errors.py": "from ..runs.jobs import x\n", "deepgrad/runs/jobs.py": "x = 1\n"},
     "deepgrad.base.errors (layer 1) imports deepgrad.runs.jobs (layer 4), above it"),
    ({"deepgrad/runs/jobs.py": "def f():\n    from ..base import errors\n", "deepgrad/base/errors.py": ""},
     "deepgrad.runs.jobs imports deepgrad.base.errors inside a function"),
    ({"deepgrad/grading/a.py": "from .b import y\nx = 1\n", "deepgrad/grading/b.py": "from . import a\ny = 2\n"},
     "import circle: deepgrad.grading.a -> deepgrad.grading.b -> deepgrad.grading.a"),
    ({"deepgrad/adapters/k.py": "import deepgrad.commands.cli\n", "deepgrad/commands/cli.py": ""},
     "deepgrad.adapters.k (layer 3) imports deepgrad.commands.cli (layer 5), above it"),
    ({"deepgrad/loose.py": "x = 1\n"}, "deepgrad/loose.py: not in a layer"),
], ids=["upward", "in-a-function", "circle", "absolute-upward", "outside-the-layers"])
def test_the_layer_check_finds_a_planted_breach(tmp_path, files, says):
    problems = layer_problems(_tree(tmp_path, files))
    assert any(says in problem for problem in problems), problems


def test_the_layer_check_passes_a_tree_that_keeps_the_rules(tmp_path):
    assert layer_problems(_tree(tmp_path, {
        "deepgrad/base/errors.py": "class CourseError(Exception): ...\n",
        "deepgrad/grading/verdict.py": "from ..base.errors import CourseError\n",
        "deepgrad/commands/cli.py": "def main():\n    from ..grading import verdict\n"})) == []
