"""One-change mutants of the reference solution's functions (used by ``tools/mutants.py``).

Each answer cell of a source notebook is parsed with :mod:`ast`; only nodes on the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` are changed (the signature and docstring are the
release's, not the answer). A mutant is the whole function re-written with :func:`ast.unparse`
after exactly one classic change:

======================  ===========================================================
``binop``               ``+`` <-> ``-``, ``*`` <-> ``/``
``compare``             ``<`` <-> ``<=``, ``>`` <-> ``>=``
``const+1``/``const-``  a number ``c`` -> ``c + 1`` / ``-c``; ``0.5`` -> ``2`` (``const0.5``)
``axis``                ``axis=0`` <-> ``axis=1``
``keepdims``            ``keepdims=...`` dropped
``.T``                  a transpose removed
``reduce``              ``sum`` <-> ``mean``, ``max`` <-> ``min`` (also ``maximum``/``minimum``,
                        ``argmax``/``argmin``; numpy's, a method's or the builtin)
``neg-``/``neg+``       a unary minus removed / the returned value negated
======================  ===========================================================

A mutant is named stably, by what it changes and where in words, not by line number:
``task function | operator | the line's text | detail`` (see :attr:`Mutant.key`).
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Callable, Iterator

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
COMPARES = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.LtE: "<=",
          ast.Gt: ">", ast.GtE: ">="}
REDUCTIONS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "maximum": "minimum",
              "minimum": "maximum", "argmax": "argmin", "argmin": "argmax", "amax": "amin", "amin": "amax"}


@dataclass(frozen=True)
class Mutant:
    assignment: str     # "a01"
    function: str       # "binary_cross_entropy_grad"
    operator: str       # "binop", "const+1", ...
    line: str           # the solution line it changes, stripped
    lineno: int         # in the answer cell (for the report only: keys never use it)
    detail: str         # "- -> +", "1.0 -> 2.0", with "#2" for a second identical change on the line
    source: str         # the mutated function, ready to exec

    @property
    def key(self) -> str:
        return f"{self.assignment}.{self.function} | {self.operator} | {self.line} | {self.detail}"


def solution_lines(source: str) -> set[int]:
    """1-based numbers of the lines inside the cell's solution blocks."""
    inside, lines = False, set()
    for number, text in enumerate(source.splitlines(), 1):
        if text.strip().startswith(BEGIN):
            inside = True
        elif text.strip().startswith(END):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` sits among ``parent``'s fields."""
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list) and any(item is old for item in value):
            value[[i for i, item in enumerate(value) if item is old][0]] = new
            return
    raise ValueError("node not found under its parent")


def _is_number(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and type(node.value) in (int, float)
            and type(node.value) is not bool)


def _reduction_name(call: ast.Call) -> tuple[ast.AST, str] | None:
    """(the node holding the name, the name) of ``np.sum(...)``, ``x.sum(...)``, ``max(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in REDUCTIONS:
        return func, func.attr
    if isinstance(func, ast.Name) and func.id in ("max", "min"):
        return func, func.id
    return None


# Each rule: node, its parent -> [(operator, detail, apply(node, parent))]; apply edits a copy.
Edit = tuple[str, str, Callable[[ast.AST, ast.AST], None]]


def _edits(node: ast.AST, parent: ast.AST) -> list[Edit]:
    found: list[Edit] = []
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        swap = BINOPS[type(node.op)]
        found.append(("binop", f"{SYMBOL[type(node.op)]} -> {SYMBOL[swap]}",
                      lambda n, p, swap=swap: setattr(n, "op", swap())))
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARES:
                swap = COMPARES[type(op)]
                found.append(("compare", f"{SYMBOL[type(op)]} -> {SYMBOL[swap]}",
                              lambda n, p, i=i, swap=swap: n.ops.__setitem__(i, swap())))
    if _is_number(node):
        value = node.value
        found.append(("const+1", f"{value!r} -> {value + 1!r}",
                      lambda n, p, v=value + 1: setattr(n, "value", v)))
        if value != 0:
            found.append(("const-", f"{value!r} -> {-value!r}",
                          lambda n, p: _replace(p, n, ast.UnaryOp(ast.USub(), ast.Constant(n.value)))))
        if value == 0.5:
            found.append(("const0.5", "0.5 -> 2.0", lambda n, p: setattr(n, "value", 2.0)))
    if isinstance(node, ast.keyword) and node.arg == "axis" and _axis(node.value) in (0, 1, -1):
        # -1 is the last axis: of the 2-D arrays most functions take, the other one is 0
        new = {0: 1, 1: 0, -1: 0}[_axis(node.value)]
        found.append(("axis", f"axis={_axis(node.value)} -> axis={new}",
                      lambda n, p, new=new: setattr(n, "value", ast.Constant(new))))
    if isinstance(node, ast.keyword) and node.arg == "keepdims":
        found.append(("keepdims", "keepdims dropped", lambda n, p: p.keywords.remove(n)))
    if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        found.append((".T", f"{ast.unparse(node)} -> {ast.unparse(node.value)}",
                      lambda n, p: _replace(p, n, n.value)))
    if isinstance(node, ast.Call) and _reduction_name(node):
        holder, name = _reduction_name(node)
        found.append(("reduce", f"{name} -> {REDUCTIONS[name]}",
                      lambda n, p: _rename(_reduction_name(n)[0])))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        found.append(("neg-", f"-{ast.unparse(node.operand)} -> {ast.unparse(node.operand)}",
                      lambda n, p: _replace(p, n, n.operand)))
    if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Tuple):
        found.append(("neg+", "return -(...)",
                      lambda n, p: setattr(n, "value", ast.UnaryOp(ast.USub(), n.value))))
    return found


def _axis(node: ast.AST) -> int | None:
    """The literal value of an ``axis=`` argument (``-1`` is a unary minus on 1), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_number(node.operand):
        return -node.operand.value
    return node.value if _is_number(node) else None


def _rename(holder: ast.AST) -> None:
    if isinstance(holder, ast.Attribute):
        holder.attr = REDUCTIONS[holder.attr]
    else:
        holder.id = REDUCTIONS[holder.id]


def _walk(function: ast.FunctionDef) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(node, parent) pairs, in a fixed order (the same on a deep copy)."""
    for parent in ast.walk(function):
        for child in ast.iter_child_nodes(parent):
            yield child, parent


def function_mutants(assignment: str, function: ast.FunctionDef, cell_source: str) -> list[Mutant]:
    """Every one-change mutant of ``function`` on the solution lines of its cell, one per distinct
    mutated source (two changes that write the same code, such as ``axis=0 -> 1`` and ``0 -> 1``,
    count once: the first is kept)."""
    allowed = solution_lines(cell_source)
    lines = cell_source.splitlines()
    original = ast.unparse(function)
    mutants, seen, repeats = [], {original}, {}
    # An axis= value changes by the axis operator only: a constant's own mutants there would
    # write another index of the same axis (-1 -> 1 on a 2-D array), equivalent by construction.
    in_axis = {id(n) for k in ast.walk(function) if isinstance(k, ast.keyword) and k.arg == "axis"
               for n in ast.walk(k.value)}
    for index, (node, parent) in enumerate(_walk(function)):
        lineno = getattr(node, "lineno", None) or getattr(parent, "lineno", None)
        if lineno not in allowed or id(node) in in_axis:
            continue
        for operator, detail, apply in _edits(node, parent):
            changed = copy.deepcopy(function)
            target, target_parent = list(_walk(changed))[index]
            apply(target, target_parent)
            source = ast.unparse(ast.fix_missing_locations(changed))
            if source in seen:
                continue
            seen.add(source)
            line = lines[lineno - 1].strip()
            count = repeats[(operator, line, detail)] = repeats.get((operator, line, detail), 0) + 1
            mutants.append(Mutant(assignment, function.name, operator, line, lineno,
                                  detail + (f" #{count}" if count > 1 else ""), source + "\n"))
    return mutants


def cell_mutants(assignment: str, cell_source: str) -> list[Mutant]:
    """The mutants of every function an answer cell defines."""
    tree = ast.parse(cell_source)
    return [m for node in tree.body if isinstance(node, ast.FunctionDef)
            for m in function_mutants(assignment, node, cell_source)]
