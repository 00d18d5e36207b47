"""A class of assignment 1 made cheaply for `deepgrad similar` (tests/test_similar.py, bench/similar.py):
independently written answer sets, correct and buggy, their grading report rows written directly
(nothing graded), and copies planted in it.

Independence: each function of an answer set is one of several formulations (FORMULATIONS) in the
student's own style (`styled`'s HABITS: `@` or np.dot, len(x) or x.shape[0], x -= or x = x -,
np.sum(x) or x.sum(), 1 - p or -p + 1, a result variable before each return, ...; and now and then
a check or a print of their own, in their own words). A buggy set carries one
of BUGS; every bug but the rare one is made by several students. The planted copies (PLANTED) are of
a source student, each hidden another way.
"""
from __future__ import annotations

import copy
import csv
import functools
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from deepgrad.grading.grading_report import REPORT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]  # (not conftest's: bench/similar.py imports this module too)
A01 = next(p.name for p in sorted((ROOT / "solutions").iterdir()) if p.name.startswith("a01_"))
RELEASE = ROOT / "assignments" / A01 / f"{A01}.ipynb"
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"
STUB_END = '"""\n'  # the end of a release cell's docstring: what follows is the student's

# answer cell -> formulations of its body (indented as inside the def)
FORMULATIONS = {
    "gradient_descent": [
        "    xs = [float(x0)]\n    for _ in range(n_steps):\n        xs.append(xs[-1] - lr * grad(xs[-1]))\n    return np.array(xs)",
        "    xs = np.empty(n_steps + 1)\n    xs[0] = x0\n    for t in range(n_steps):\n        xs[t + 1] = xs[t] - lr * grad(xs[t])\n    return xs",
        "    x = float(x0)\n    path = np.zeros(n_steps + 1)\n    path[0] = x\n    for t in range(1, n_steps + 1):\n        x = x - lr * grad(x)\n        path[t] = x\n    return path",
        "    out = [x0]\n    x = x0\n    step = 0\n    while step < n_steps:\n        x -= lr * grad(x)\n        out.append(x)\n        step += 1\n    return np.asarray(out, dtype=float)"],
    "perceptron_predict": [
        "    return np.where(X @ w + b >= 0, 1.0, 0.0)",
        "    return (X @ w + b >= 0).astype(np.float64)",
        "    z = X @ w + b\n    out = np.zeros(len(X))\n    out[z >= 0] = 1.0\n    return out",
        "    return np.array([1.0 if x @ w + b >= 0 else 0.0 for x in X])"],
    "perceptron_train": [
        "    w = np.zeros(X.shape[1])\n    b = 0.0\n    mistakes = []\n    for _ in range(max_epochs):\n        count = 0\n"
        "        for i in range(len(X)):\n            y_hat = 1.0 if X[i] @ w + b >= 0 else 0.0\n            if y_hat != y[i]:\n"
        "                w = w + lr * (y[i] - y_hat) * X[i]\n                b = b + lr * (y[i] - y_hat)\n"
        "                count += 1\n        mistakes.append(count)\n        if count == 0:\n            break\n"
        "    return w, float(b), mistakes",
        "    w, b = np.zeros(X.shape[1]), 0.0\n    mistakes, epoch = [], 0\n"
        "    while epoch < max_epochs and (not mistakes or mistakes[-1] > 0):\n        wrong = 0\n"
        "        for x, lab in zip(X, y):\n            error = lab - perceptron_predict(x[np.newaxis, :], w, b)[0]\n"
        "            if error:\n                w += lr * error * x\n                b += lr * error\n                wrong += 1\n"
        "        mistakes.append(wrong)\n        epoch += 1\n    return w, float(b), mistakes",
        "    augmented = np.hstack([X, np.ones((len(X), 1))])\n    theta = np.zeros(augmented.shape[1])\n    mistakes = []\n"
        "    for _ in range(max_epochs):\n        wrong = 0\n        for row, lab in zip(augmented, y):\n"
        "            y_hat = float(row @ theta >= 0)\n            theta = theta + lr * (lab - y_hat) * row\n"
        "            wrong += int(y_hat != lab)\n        mistakes.append(wrong)\n        if wrong == 0:\n            break\n"
        "    return theta[:-1], float(theta[-1]), mistakes",
        "    weights = np.zeros(X.shape[1])\n    bias = 0.0\n    history = []\n    epoch = 0\n    while epoch < max_epochs:\n"
        "        errors = 0\n        for xi, target in zip(X, y):\n            update = lr * (target - perceptron_predict(xi[None], weights, bias)[0])\n"
        "            weights = weights + update * xi\n            bias += update\n            errors += int(update != 0.0)\n"
        "        history.append(errors)\n        epoch += 1\n        if errors == 0:\n            break\n"
        "    return weights, float(bias), history"],
    "sigmoid": [
        "    z = np.asarray(z, dtype=float)\n    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "    z = np.asarray(z, dtype=float)\n    out = np.empty_like(z)\n    pos = z >= 0\n    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))\n"
        "    ez = np.exp(z[~pos])\n    out[~pos] = ez / (1.0 + ez)\n    return out",
        "    z = np.asarray(z, dtype=float)\n    small = np.exp(-np.abs(z))\n    positive = 1 / (1 + small)\n"
        "    return np.where(z < 0, 1 - positive, positive)",
        "    z = np.clip(np.asarray(z, dtype=float), -500, 500)\n    return 1.0 / (1.0 + np.exp(-z))"],
    "sigmoid_grad": [
        "    s = sigmoid(z)\n    return s * (1.0 - s)",
        "    return sigmoid(z) * (1 - sigmoid(z))",
        "    s = sigmoid(z)\n    return s - s ** 2",
        "    s = sigmoid(np.asarray(z, dtype=float))\n    one_minus = 1.0 - s\n    return s * one_minus"],
    "dense_sigmoid": [
        "    return sigmoid(X @ W + b)",
        "    z = X @ W + b\n    return sigmoid(z)",
        "    return sigmoid(np.dot(X, W) + b[np.newaxis, :])",
        "    logits = np.matmul(X, W)\n    logits = logits + b\n    return sigmoid(logits)"],
    "binary_cross_entropy": [
        "    p = np.clip(p, EPS, 1 - EPS)\n    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))",
        "    p = np.clip(p, EPS, 1.0 - EPS)\n    losses = -y * np.log(p) - (1.0 - y) * np.log(1.0 - p)\n    return float(losses.sum() / len(y))",
        "    q = np.minimum(np.maximum(p, EPS), 1 - EPS)\n    total = 0.0\n    for yi, qi in zip(y, q):\n"
        "        total -= yi * np.log(qi) + (1 - yi) * np.log(1 - qi)\n    return float(total / len(y))",
        "    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)\n    return -float(np.mean(np.where(y == 1, np.log(p), np.log(1 - p))))"],
    "binary_cross_entropy_grad": [
        "    p = np.clip(p, EPS, 1 - EPS)\n    return (-(y / p) + (1 - y) / (1 - p)) / len(y)",
        "    p = np.clip(p, EPS, 1.0 - EPS)\n    n = y.shape[0]\n    return ((1.0 - y) / (1.0 - p) - y / p) / n",
        "    q = np.clip(p, EPS, 1 - EPS)\n    return (q - y) / (q * (1 - q)) / len(y)",
        "    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)\n    grad = np.empty_like(p)\n"
        "    grad[:] = -y / p + (1 - y) / (1 - p)\n    return grad / p.size"],
    "squared_error": [
        "    return float(np.mean(np.sum((output - label) ** 2, axis=1)))",
        "    diff = output - label\n    return float((diff * diff).sum(axis=1).mean())",
        "    return float(np.sum(np.square(output - label)) / output.shape[0])",
        "    per_row = np.sum((label - output) ** 2, axis=-1)\n    return float(per_row.mean())"],
    "squared_error_grad": [
        "    return 2 * (output - label) / output.shape[0]",
        "    n = len(output)\n    return 2.0 * (output - label) / n",
        "    return (output - label) * (2.0 / output.shape[0])",
        "    diff = np.asarray(output, dtype=float) - label\n    return diff * 2 / diff.shape[0]"],
}

# bug -> (function, (right, wrong) per formulation or None where it does not apply, public message, hidden message)
BUGS = {
    "bce_sum": ("binary_cross_entropy", [("np.mean(", "np.sum("), ("/ len(y)", ""), ("/ len(y)", ""), ("np.mean(", "np.sum(")],
                "a01.binary_cross_entropy.values: `binary_cross_entropy` returned 2.931; expected 0.7328 (difference 2.2)."
                "\nhint: it is exactly N = 4 (the number of samples) × the expected value: a sum where the mean belongs?",
                "a01.binary_cross_entropy.values (hidden): `binary_cross_entropy` returned {got}; expected {expected} "
                "(difference {diff}).\nhint: it is exactly N = 5 (the number of samples) × the expected value: a sum where the mean belongs?"),
    "sigmoid_sign": ("sigmoid", [("1.0 / (1.0 + e), e / (1.0 + e)", "e / (1.0 + e), 1.0 / (1.0 + e)"), ("-z[pos]", "z[pos]"),
                                 ("z < 0", "z >= 0"), ("np.exp(-z)", "np.exp(z)")],
                     "a01.sigmoid.values: `sigmoid` returned a wrong value at index (0,): got 0.2689414213699951, "
                     "expected 0.7310585786300049 (3 of 3 entries differ) returned: [0.26894142 0.5 0.88079708] "
                     "expected: [0.73105858 0.5 0.11920292]",
                     "a01.sigmoid.values (hidden): `sigmoid` returned a wrong value at index (1, 2): got {got}, expected "
                     "{expected} (6 of 6 entries differ)"),
    "grad_no_n": ("binary_cross_entropy_grad", [(") / len(y)", ")"), (") / n", ")"), ("/ len(y)", ""), ("/ p.size", "")],
                  "a01.binary_cross_entropy_grad.values: `binary_cross_entropy_grad` returned a wrong value at index (0,): "
                  "got -1.25, expected -0.3125 (4 of 4 entries differ) returned: [-1.25 5. -2. 1.42857143] expected: "
                  "[-0.3125 1.25 -0.5 0.35714286]\nhint: it is exactly N = 4 (the number of samples) × the expected value: "
                  "a sum where the mean belongs?",
                  "a01.binary_cross_entropy_grad.values (hidden): `binary_cross_entropy_grad` returned a wrong value at "
                  "index (2,): got {got}, expected {expected} (5 of 5 entries differ)\nhint: it is exactly N = 5 (the "
                  "number of samples) × the expected value: a sum where the mean belongs?"),
    # the rare one: one student alone makes it (and whoever copies them)
    "squared_mean_all": ("squared_error", [("np.mean(np.sum((output - label) ** 2, axis=1))", "np.mean((output - label) ** 2)"),
                                           (".sum(axis=1).mean()", ".mean()"), ("/ output.shape[0]", "/ output.size"),
                                           ("np.sum((label - output) ** 2, axis=-1)", "np.mean((label - output) ** 2, axis=-1)")],
                         "a01.squared_error.values: `squared_error` returned 0.1575; expected 0.63 (difference -0.473)."
                         "\nhint: a mean over every entry, not over the samples",
                         "a01.squared_error.values (hidden): `squared_error` returned {got}; expected {expected} "
                         "(difference {diff}).\nhint: a mean over every entry, not over the samples"),
}
COMMON_BUGS = ("bce_sum", "sigmoid_sign", "grad_no_n")
RARE_BUG = "squared_mean_all"
WORDS = ("shapes", "must", "match", "input", "check", "array", "bad", "oops", "sizes", "wrong", "my", "own", "first",
         "rows", "mismatch", "expected", "vector", "please", "here", "value")


@functools.cache
def release_cells() -> dict[str, str]:
    """The release's answer cells of a01, by function name (each defines one)."""
    cells = json.loads(RELEASE.read_text(encoding="utf-8"))["cells"]
    found = {}
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            source = "".join(cell["source"])
            found[re.search(r"def (\w+)\(", source).group(1)] = source
    return found


def styled(body: str, style: dict, rng: random.Random, first_arg: str) -> str:
    """A body in a student's style: each of the style's habits that applies to it, and now and then
    a check or a print of their own, in their own words."""
    habits = {
        "dot": [(r"\b(\w+(?:\[[^\]]*\])?) @ (\w+)", r"np.dot(\1, \2)")],
        "parens": [(r"\b(\w+) @ (\w+)", r"(\1 @ \2)")],
        "shape": [(r"\blen\((\w+)\)", r"\1.shape[0]")],
        "asarray": [(r"np\.asarray\(", "np.array(")],
        "inplace": [(r"\b(\w+) = \1 ([-+*/]) ", r"\1 \2= ")],
        "explicit": [(r"\b(\w+) ([-+])= ", r"\1 = \1 \2 ")],
        "method": [(r"np\.(sum|mean)\((\w+)\)", r"\2.\1()"), (r"np\.sum\(([^()]+), axis=(-?\d)\)", r"(\1).sum(axis=\2)")],
        "axis": [(r"axis=1\b", "axis=-1"), (r"axis=-1\b", "axis=1")],
        "negate": [(r"\b1(\.0)? - (\w+)\b(?![\[(.])", r"-\2 + 1\1")],
        "result": [(r"^    return (?!.*,)(.+)$", r"    result = \1\n    return result")],
        "enumerate": [(r"for (\w+) in range\(len\((\w+)\)\):", r"for \1, _row in enumerate(\2):")],
        "named": [(r"for _ in ", "for epoch_number in ")],
        "truthy": [(r"if (\w+) == 0:", r"if not \1:")],
        "cast": [(r"1\.0 if (.+?) else 0\.0", r"float(\1)")],
        "dtype": [(r"np\.(zeros|empty)\(([\w.\[\]+ ]+)\)", r"np.\1(\2, dtype=np.float64)")],
        "flip": [(r"(\b[\w\[\]]+) >= 0\b", r"0 <= \1")],
    }
    for habit, changes in habits.items():
        if style[habit]:
            for pattern, replacement in changes:
                body = re.sub(pattern, replacement, body, flags=re.M)
    for _ in range(rng.choice([0, 1, 1, 2])):  # the order of a product's or a sum's operands, each their own
        found = list(re.finditer(r"\b([A-Za-z_]\w*) ([*+]) ([A-Za-z_]\w*)\b(?![\[(.])", body))
        if found:
            m = rng.choice(found)
            body = body[:m.start()] + f"{m.group(3)} {m.group(2)} {m.group(1)}" + body[m.end():]
    if rng.random() < style["checks"]:
        body = f'    assert {first_arg} is not None, "{" ".join(rng.sample(WORDS, 3))}"\n' + body
    if rng.random() < style["prints"]:
        body = f'    print("{" ".join(rng.sample(WORDS, 2))}", {first_arg})\n' + body
    return body


HABITS = ("dot", "parens", "shape", "asarray", "inplace", "explicit", "method", "axis", "negate", "result", "enumerate",
          "named", "truthy", "cast", "dtype", "flip")


def independent(rng: random.Random, bug: str | None = None) -> dict[str, tuple[int, str]]:
    """One student's answers: function -> (formulation index, body in their style)."""
    style = {habit: rng.random() < 0.4 for habit in HABITS}
    style.update(checks=rng.choice([0.0, 0.2, 0.4, 0.6]), prints=rng.choice([0.0, 0.0, 0.2]))
    answers = {}
    for fn, options in FORMULATIONS.items():
        k = rng.randrange(len(options))
        body = options[k]
        if bug and BUGS[bug][0] == fn:
            right, wrong = BUGS[bug][1][k]
            assert right in body, (bug, k)
            body = body.replace(right, wrong, 1)
        answers[fn] = (k, styled(body, style, rng, _first_arg(fn)))
    return answers


def _first_arg(fn: str) -> str:
    return re.search(rf"def {fn}\((\w+)", release_cells()[fn]).group(1)


def filled(bodies: dict[str, str], cells: dict[str, str] | None = None) -> dict[str, str]:
    """Answer cell sources: each release cell with its stub replaced by the body."""
    cells = cells or release_cells()
    assert all(STUB in cells[fn] for fn in bodies), "the release's stub is not where this class writes its answers"
    return {fn: cells[fn].replace(STUB, bodies[fn]) for fn in bodies}


# --- the planted copies: each of a source student's answer set, hidden another way -------------------

RENAMED = ("xs", "x", "path", "out", "step", "t", "count", "mistakes", "y_hat", "e", "pos", "ez", "small", "positive",
           "s", "one_minus", "logits", "losses", "q", "total", "yi", "qi", "n", "diff", "per_row", "result", "i",
           "wrong", "epoch", "error", "augmented", "theta", "row", "weights", "bias", "history", "errors", "update",
           "xi", "target", "lab")  # locals only: a parameter keeps its name


def renamed(cells: dict[str, str]) -> dict[str, str]:
    """Every local variable given another name."""
    out = {}
    for fn, source in cells.items():
        head, body = source.split(STUB_END, 1) if STUB_END in source else ("", source)
        parts = re.split(r'("[^"\n]*")', body)  # the strings (its own checks' words) as they are
        for k, name in enumerate(RENAMED):
            parts = [p if p.startswith('"') else re.sub(rf"\b{name}\b", f"v{k}_{name[::-1]}", p) for p in parts]
        body = "".join(parts)
        out[fn] = head + STUB_END + body if head else body
    return out


def reformatted(cells: dict[str, str]) -> dict[str, str]:
    """Two spaces of indentation, no spaces around operators, a blank line after every statement."""
    out = {}
    for fn, source in cells.items():
        lines = []
        for line in source.splitlines():
            stripped = line.lstrip(" ")
            indent = " " * ((len(line) - len(stripped)) // 2)
            if not stripped.startswith(('"""', "#")) and '"' not in stripped:
                stripped = re.sub(r" (==|>=|<=|[-+*/=<>]|\*\*) ", r"\1", stripped).replace(", ", ",")
            lines += [indent + stripped, ""]
        out[fn] = "\n".join(lines)
    return out


def reordered(cells: dict[str, str]) -> dict[str, str]:
    """Each function moved to the next answer cell (the last to the first)."""
    names = list(cells)
    return {fn: cells[names[(i + 1) % len(names)]] for i, fn in enumerate(names)}


def recommented(cells: dict[str, str]) -> dict[str, str]:
    """Comments of its own on every line, the TODO gone, the docstring rewritten."""
    out = {}
    for fn, source in cells.items():
        source = re.sub(r'"""(.|\n)*?"""', '"""My own version, written for the exercise."""', source, count=1)
        lines = [line for line in source.splitlines() if not line.strip().startswith("# TODO")]
        out[fn] = "\n".join(line + (f"  # step {k} of {fn}" if line.startswith("    ") and line.strip() else "")
                            for k, line in enumerate(lines))
    return out


def rewritten(source: dict[str, tuple[int, str]], rng: random.Random, share: float = 0.3) -> dict[str, str]:
    """A share of the functions written again, each in another formulation and the copier's own style."""
    again = rng.sample(list(source), round(share * len(source)))
    own = {**dict.fromkeys(HABITS, False), "shape": True, "result": True, "checks": 0.0, "prints": 0.0}
    bodies = {}
    for fn, (k, body) in source.items():
        if fn in again:
            other = (k + 1 + rng.randrange(len(FORMULATIONS[fn]) - 1)) % len(FORMULATIONS[fn])
            body = styled(FORMULATIONS[fn][other], own, rng, _first_arg(fn))
        bodies[fn] = body
    return filled(bodies)


PLANTED = {  # how each planted copy hides, from its source's answer cells (and answer set, and a random source)
    "renamed": lambda cells, answers, rng: renamed(cells),
    "reformatted": lambda cells, answers, rng: reformatted(cells),
    "reordered": lambda cells, answers, rng: reordered(cells),
    "rewritten": lambda cells, answers, rng: rewritten(answers, rng),
    "recommented": lambda cells, answers, rng: recommented(cells),
    "everything": lambda cells, answers, rng: recommented(reordered(reformatted(renamed(cells)))),
}


@dataclass
class Class:
    cells: dict[str, dict[str, str]] = field(default_factory=dict)  # student -> answer cell sources by function
    bugs: dict[str, str | None] = field(default_factory=dict)        # student -> their bug
    independent: list[str] = field(default_factory=list)
    planted: list[tuple[str, str, str]] = field(default_factory=list)  # (how, copy, source)


def make_class(size: int, seed: int = 0, planted: bool = True) -> Class:
    """``size`` independent students (a third with a common bug, each common bug made by three or
    more; one student with the rare bug), then, with ``planted``, a copy of a different independent
    student for each way in PLANTED, and one student of their own who has only the rare bug in common
    with the rare bug's first student."""
    rng = random.Random(seed)
    made = Class()
    buggy = max(3 * len(COMMON_BUGS), size // 3)
    bugs = [RARE_BUG] + [COMMON_BUGS[k % len(COMMON_BUGS)] for k in range(buggy)]
    bugs += [None] * (size - len(bugs))
    rng.shuffle(bugs)
    answers = {}
    for k, bug in enumerate(bugs):
        name = f"s{k:03d}"
        answers[name] = independent(rng, bug)
        made.cells[name] = filled({fn: body for fn, (_, body) in answers[name].items()})
        made.bugs[name] = bug
        made.independent.append(name)
    if planted:
        sources = rng.sample([s for s in made.independent if made.bugs[s] != RARE_BUG], len(PLANTED))
        for (how, hide), source in zip(PLANTED.items(), sources):
            copy = f"copy_{how}"
            made.cells[copy] = hide(made.cells[source], answers[source], rng)
            made.bugs[copy] = made.bugs[source]
            made.planted.append((how, copy, source))
        source = next(s for s in made.independent if made.bugs[s] == RARE_BUG)
        made.cells["rare_bug"] = filled({fn: body for fn, (_, body) in independent(rng, RARE_BUG).items()})
        made.bugs["rare_bug"] = RARE_BUG
        made.planted.append(("only the rare bug", "rare_bug", source))
    return made


def report_rows(made: Class, rng: random.Random) -> list[list]:
    """The grading report's rows: each function's task passed, or failed with its bug's messages
    (the hidden one with numbers of the student's own hidden inputs)."""
    rows = []
    for student, bug in made.bugs.items():
        rows.append([A01, student, "graded", "", 15 if bug else 16, 16, 1, "", "bubblewrap"])
        for fn in FORMULATIONS:
            if bug and BUGS[bug][0] == fn:
                got, expected = rng.uniform(0, 3), rng.uniform(0, 1)
                hidden = BUGS[bug][3].format(got=f"{got:.6g}", expected=f"{expected:.6g}", diff=f"{got - expected:.3g}")
                rows.append([A01, student, "failed", f"test_{fn}", 0, 1, 1,
                             " | ".join(" ".join(m.split()) for m in (BUGS[bug][2], hidden)), "bubblewrap"])
            else:
                rows.append([A01, student, "passed", f"test_{fn}", 1, 1, 1, "", "bubblewrap"])
    return rows


def write_course(root: Path, made: Class, seed: int = 0) -> Path:
    """A course folder ``deepgrad similar`` reads: a01's source and release notebooks, each student's
    notebook in submitted/, and the grading report."""
    for folder in ("solutions", "assignments"):
        (root / folder / A01).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / folder / A01 / f"{A01}.ipynb", root / folder / A01 / f"{A01}.ipynb")
    release = json.loads(RELEASE.read_text(encoding="utf-8"))
    for student, cells in made.cells.items():
        nb = copy.deepcopy(release)
        for cell in nb["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                fn = re.search(r"def (\w+)\(", "".join(cell["source"])).group(1)
                cell["source"] = cells[fn]
        path = root / "submitted" / student / A01 / f"{A01}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
    with (root / f"grading_report_{A01}.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(REPORT_COLUMNS)
        out.writerows(report_rows(made, random.Random(seed)))
    return root
