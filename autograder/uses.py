"""Which of a notebook's functions use a library the course forbids: read as code, never run.

A library counts where the code *uses* it, not where a word names it: an ``import`` or
``from … import`` of it, ``__import__("torch")`` or ``importlib.import_module("torch.nn")`` with
a constant name, or an attribute of an imported module spelt as its name (``dlkit.torch``). A
function is charged with a library when its body does one of these, or uses a name bound to such
an import (or assigned from one, at the top level of a cell) in any cell loaded with it. A comment,
a docstring or a string naming the library is no use: an honest ``sigmoid`` with ``# as
torch.sigmoid`` passes. Whatever this reading misses (an import spelt at run time) meets the
worker's sandbox, whose view holds none of these libraries.

The cells are parsed with :mod:`ast` (linear in their length), but only where some cell names a
forbidden library at all, and within :data:`PARSE_CHARS` in all: a submission's code can be 16 MiB,
and parsing it whole would cost minutes and gigabytes. A cell past that budget is judged by a linear
scan of its text instead (its functions are charged if it names a forbidden library anywhere), and
a cell that does not parse defines nothing that could be charged: it does not load either.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

# Libraries that would do an exercise for the student (autodiff, ready-made layers and losses).
# One list for the rule and for the sandbox, which leaves them out of the worker's view.
FORBIDDEN_MODULES = ("torch", "tensorflow", "keras", "jax", "jaxlib", "autograd", "mxnet", "theano", "cupy",
                     "scipy", "sklearn", "numdifftools")
_FORBIDDEN_WORD = re.compile(r"\b(" + "|".join(FORBIDDEN_MODULES) + r")\b")
# The code parsed per notebook, in characters (about 2 s of parsing): every course notebook's
# cells together are some 50,000.
PARSE_CHARS = 1_000_000
_IMPORT_FUNCTIONS = ("__import__", "import_module")


def forbidden_root(module) -> str | None:
    """The forbidden library a module name belongs to (``torch.nn`` -> ``torch``), or None."""
    root = module.split(".")[0] if isinstance(module, str) else None
    return root if root in FORBIDDEN_MODULES else None


@dataclass
class _Uses:
    """What one piece of code (a function, a top-level assignment's value) reaches."""

    direct: str | None = None                                     # a forbidden import it makes
    names: set[str] = field(default_factory=set)                  # the names it reads
    attributes: list[tuple[str, str]] = field(default_factory=list)  # (root name, forbidden attribute)


def _uses(node: ast.AST) -> _Uses:
    found = _Uses()
    for sub in ast.walk(node):  # iterative: no recursion however deep the tree
        module = None
        if isinstance(sub, ast.Import):
            module = next(filter(None, (forbidden_root(a.name) for a in sub.names)), None)
        elif isinstance(sub, ast.ImportFrom) and not sub.level:
            module = forbidden_root(sub.module)
        elif isinstance(sub, ast.Call) and sub.args and isinstance(sub.args[0], ast.Constant):
            called = sub.func.id if isinstance(sub.func, ast.Name) else \
                sub.func.attr if isinstance(sub.func, ast.Attribute) else None
            module = forbidden_root(sub.args[0].value) if called in _IMPORT_FUNCTIONS else None
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            found.names.add(sub.id)
        elif isinstance(sub, ast.Attribute) and sub.attr in FORBIDDEN_MODULES:
            root = sub.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                found.attributes.append((root.id, sub.attr))
        found.direct = found.direct or module
    return found


def _bindings(tree: ast.AST) -> tuple[dict[str, str], set[str]]:
    """The names the cell's imports bind: {name: forbidden library} for forbidden ones, and every
    name bound by any import (the roots an attribute rule starts from)."""
    forbidden, imported = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                imported.add(name)
                if root := forbidden_root(alias.name):
                    forbidden[name] = root
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                name = alias.asname or alias.name
                imported.add(name)
                if (root := forbidden_root(node.module)) and not node.level:
                    forbidden[name] = root
    return forbidden, imported


def _top_level(body: list[ast.stmt]):
    """The cell's top-level statements, also those inside an ``if``, ``try``, ``with`` or loop."""
    todo = list(reversed(body))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for part in ("handlers", "orelse", "finalbody", "body"):
                for child in reversed(getattr(node, part, [])):
                    todo.append(child.body if isinstance(child, ast.ExceptHandler) else child)
            continue
        if isinstance(node, list):  # an except clause's body
            todo.extend(reversed(node))
            continue
        yield node


def _targets(node: ast.stmt) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)]


def _by_text(source: str) -> dict[str, str]:
    """A cell too large to parse: its functions, if its text names a forbidden library (linear)."""
    mention = _FORBIDDEN_WORD.search(source)
    if not mention:
        return {}
    found = {}
    for line in source.splitlines():
        words = line.split(None, 2)
        if words[:1] == ["async"]:
            words = words[1:]
        if len(words) >= 2 and words[0] == "def":
            name = re.match(r"\w+", words[1])
            if name:
                found[name.group()] = mention.group(1)
    return found


def forbidden_functions(sources: list[str]) -> dict[str, str]:
    """{function (or class): forbidden library it uses} for the cells' code, in notebook order."""
    if not any(word in source for source in sources for word in FORBIDDEN_MODULES):
        return {}  # the common case, at the speed of a substring search
    budget, parsed, found = PARSE_CHARS, [], {}
    for source in sources:
        tree = None
        if len(source) <= budget:
            budget -= len(source)
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                continue  # it does not load: nothing it defines exists to be charged
        if tree is None:
            found.update(_by_text(source))
        else:
            parsed.append(tree)
    tainted, imported = {}, set()
    for tree in parsed:
        forbidden, names = _bindings(tree)
        tainted.update(forbidden)
        imported |= names

    def library(uses: _Uses) -> str | None:
        return (uses.direct or next((tainted[n] for n in uses.names if n in tainted), None)
                or next((attr for root, attr in uses.attributes if root in imported), None))

    definitions = []
    for tree in parsed:  # top-level assignments in order: `expit = scipy.special.expit` taints `expit`
        for node in _top_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions.append(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                if lib := library(_uses(node.value)):
                    tainted.update((name, lib) for name in _targets(node))
    for node in definitions:
        if lib := library(_uses(node)):
            found[node.name] = lib
    return found
