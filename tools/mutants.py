"""Mutation testing of the checks: does some check fail every one-change mutant of the reference?

    python tools/mutants.py [a01 a02 ...] [--function NAME ...] [--csv PATH] [--seeds 11,2024,90210]
                            [--autograde N]

For each assignment, every answer cell of the source notebook (``solutions/``; not the ``carry_``
cells, graded in their own assignment) yields one-change mutants of its functions
(``tools/mutation_ops.py``). Each mutant is judged the way the verdict judges a submission
(``deepgrad.grading.verdict``), in this process: the mutant replaces its function in a namespace of the
reference notebook, and the registry's ``attempt`` runs, with the unmodified reference as judge, the
public checks of every task that calls the function, then those tasks' hidden checks with the
inputs the hidden blocks draw for each of a few seeds. The first failing check kills the mutant.
``--autograde N`` also grades N of them through the verdict itself (``grade_submission``: sandboxed
workers, a seed from a fixed secret), a notebook each, and says where the two disagree.

A mutant no check kills is either listed in ``tools/equivalent_mutants.txt`` (the same function
written another way, with a one-line reason) or a blind spot of the checks: the run prints it and
exits 1. The CSV report has every mutant: its key, where it is, the operator, and what killed it,
EQUIVALENT or SURVIVED.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

# Before numpy loads: one BLAS thread (the machine is shared; the checks' arrays are small).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import deepgrad  # noqa: E402,F401 -- before nbformat loads: see deepgrad/__init__.py
from autograder.calls import LocalCaller, ReferenceFailure  # noqa: E402
from autograder.registry import TASKS, attempt, checks_for, load_all, planned  # noqa: E402
from autograder.sandbox import Limits  # noqa: E402
from deepgrad.grading.verdict import grade_submission, graded_cells, reference_worker

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by a test
from mutation_ops import Mutant, cell_mutants  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = Path(__file__).resolve().parent / "equivalent_mutants.txt"
NOTEBOOKS = {p.name.split("_")[0]: p / f"{p.name}.ipynb" for p in sorted((ROOT / "solutions").iterdir())
             if (p / f"{p.name}.ipynb").is_file()}
SEEDS = (11, 2024, 90210)
# A mutant may loop or crawl (a loop bound changed): past this it counts as killed, as a call
# over its time limit fails its check at grading.
MUTANT_SECONDS = 20.0
SURVIVED, EQUIVALENT = "SURVIVED", "EQUIVALENT"


class MutantTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no check turns it into a message."""


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def reference_namespace(assignment: str) -> dict:
    """The setup and answer cells of the source notebook, run in a fresh namespace (as
    ``tests/conftest.py`` makes it: what the verdict's reference worker loads)."""
    namespace: dict = {"__name__": f"reference_{assignment}"}
    for cell in _cells(NOTEBOOKS[assignment]):
        meta = _meta(cell)
        if cell["cell_type"] == "code" and (meta.get("solution") or str(meta.get("grade_id", "")).startswith("setup")):
            exec(compile("".join(cell["source"]), f"<{assignment} {meta['grade_id']}>", "exec"), namespace)  # noqa: S102
    return namespace


def answer_cells(assignment: str) -> list[tuple[str, str]]:
    """(grade id, source) of the answer cells graded in this assignment."""
    return [(_meta(c)["grade_id"], "".join(c["source"])) for c in _cells(NOTEBOOKS[assignment])
            if c["cell_type"] == "code" and _meta(c).get("solution")
            and not str(_meta(c).get("grade_id", "")).startswith("carry_")]


class Recorder(LocalCaller):
    """A caller that notes which functions the checks ask it for."""

    def __init__(self, namespace: dict):
        super().__init__(namespace)
        self.called: set[str] = set()

    def __call__(self, fn: str, *args):
        self.called.add(fn)
        return super().__call__(fn, *args)


@dataclass
class Verdict:
    mutant: Mutant
    tasks: tuple[str, ...]
    outcome: str            # "public a01.x.values", "hidden a01.x.values (seed 11)", "timeout", SURVIVED...
    reason: str = ""        # an equivalent mutant's reason


class Judge:
    """One assignment: the reference as judge, a live namespace mutants are planted into."""

    def __init__(self, assignment: str, seeds=SEEDS, notebook: Path | None = None):
        load_all()
        self.assignment = assignment
        self.notebook = notebook or NOTEBOOKS[assignment]
        self.reference = LocalCaller(reference_namespace(assignment))
        self.live = reference_namespace(assignment)
        self.pristine = dict(self.live)
        self.hidden: dict[str, list] = {}
        for seed in seeds:
            for cell in graded_cells(self.notebook, seed):
                for target, params, hidden in cell.calls:
                    for item in planned(target, params) if hidden else ():
                        self.hidden.setdefault(item.task.id, []).append((seed, item, params))
        self.tasks_of = self._tasks_calling()

    def _tasks_calling(self) -> dict[str, tuple[str, ...]]:
        """Function name -> the tasks whose public checks call it (a03's six grad_* tasks all call
        backprop_one_hidden; a06.tanh calls tanh_forward and tanh_backward)."""
        found: dict[str, list[str]] = {}
        for task_id in (t for t in TASKS if TASKS[t].assignment == self.assignment):
            recorder = Recorder(self.live)
            recorder.reference = self.reference
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for item in checks_for(task_id):
                    attempt(item, recorder)
            for fn in recorder.called:
                found.setdefault(fn, []).append(task_id)
        return {fn: tuple(ids) for fn, ids in found.items()}

    def mutants(self, functions: set[str] | None = None) -> list[Mutant]:
        return [m for _, source in answer_cells(self.assignment) for m in cell_mutants(self.assignment, source)
                if m.function in self.tasks_of and (not functions or m.function in functions)]

    def caller(self) -> LocalCaller:
        caller = LocalCaller(self.live)
        caller.reference = self.reference
        return caller

    def judge(self, mutant: Mutant, without: frozenset[str] = frozenset()) -> str:
        """What kills the mutant first (public checks, then hidden ones, seed by seed), or SURVIVED.
        The checks named in ``without`` are left out (what did the mutant meet before one was added?)."""
        tasks = self.tasks_of[mutant.function]
        hidden = {t: [call for call in self.hidden.get(t, ()) if call[1].id not in without] for t in tasks}
        exec(compile(mutant.source, f"<mutant {mutant.key}>", "exec"), self.live)  # noqa: S102
        caller = self.caller()
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, MUTANT_SECONDS)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                for item in (c for t in tasks for c in checks_for(t) if c.id not in without):
                    if attempt(item, caller) is not None:
                        return f"public {item.id}"
                for seed, item, params in (call for t in tasks for call in hidden[t]):
                    if attempt(item, caller, **params) is not None:
                        return f"hidden {item.id} (seed {seed})"
            return SURVIVED
        except MutantTimeout:
            return f"timeout ({MUTANT_SECONDS:g} s)"
        except ReferenceFailure as failure:  # the reference is untouched: a bug of the tool or a check
            return f"ERROR: reference failed: {failure}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.live.clear()
            self.live.update(self.pristine)


def _alarm(signum, frame):
    raise MutantTimeout


def load_equivalent(path: Path = EQUIVALENT_FILE) -> dict[str, str]:
    """Key -> reason, from lines ``key :: reason`` (``#`` starts a comment line)."""
    entries = {}
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text.strip() and not text.lstrip().startswith("#"):
            key, sep, reason = text.partition(" :: ")
            if not sep or not reason.strip():
                raise ValueError(f"{path.name}:{number}: expected `key :: reason`")
            entries[key.strip()] = reason.strip()
    return entries


def run(assignments, functions=None, seeds=SEEDS, progress=True) -> list[Verdict]:
    """Judge every mutant of the assignments (of the named functions only, if given)."""
    equivalent = load_equivalent()
    judges = [Judge(a, seeds) for a in assignments]
    work = [(judge, m) for judge in judges for m in judge.mutants(set(functions or ()))]
    verdicts = []
    for judge, mutant in tqdm(work, desc="mutants", unit="mutant", disable=not progress):
        outcome = judge.judge(mutant)
        reason = equivalent.get(mutant.key, "")
        if outcome == SURVIVED and reason:
            outcome = EQUIVALENT
        verdicts.append(Verdict(mutant, judge.tasks_of[mutant.function], outcome, reason))
    return verdicts


def write_csv(verdicts: list[Verdict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["key", "tasks", "function", "cell_line", "operator", "line", "detail", "outcome", "reason"])
        for v in verdicts:
            m = v.mutant
            out.writerow([m.key, " ".join(v.tasks), m.function, m.lineno, m.operator, m.line, m.detail,
                          v.outcome, v.reason])


def autograde_sample(verdicts: list[Verdict], count: int) -> list[str]:
    """Grade ``count`` mutants (spread over the list, survivors first) through the verdict's own
    path, in sandboxed workers: lines where it and the in-process judgement disagree."""
    ranked = sorted(verdicts, key=lambda v: v.outcome not in (SURVIVED, EQUIVALENT))
    sample = ranked[:: max(1, len(ranked) // count)][:count]
    disagreements = []
    with tempfile.TemporaryDirectory() as folder:
        for v in tqdm(sample, desc="autograde", unit="notebook"):
            notebook = NOTEBOOKS[v.mutant.assignment]
            nb = json.loads(notebook.read_text(encoding="utf-8"))
            for cell in nb["cells"]:  # the mutant, defined after the reference in its own answer cell
                source = "".join(cell["source"])
                if _meta(cell).get("solution") and f"def {v.mutant.function}(" in source:
                    cell["source"] = source + "\n\n" + v.mutant.source
            submission = Path(folder) / notebook.name
            submission.write_text(json.dumps(nb), encoding="utf-8")
            reference = reference_worker(notebook, Limits())
            try:
                graded = grade_submission(notebook, submission, "mutant", notebook.parent.name,
                                          secret=b"mutants" * 4, reference=reference)
            finally:
                reference.close()
            failed = any(msg.startswith(f"{t}.") for task in graded.tasks for msg in task.messages for t in v.tasks)
            survived_here = v.outcome in (SURVIVED, EQUIVALENT)
            if failed == survived_here:
                disagreements.append(f"{v.mutant.key}: in-process {v.outcome}, autograde "
                                     f"{'killed' if failed else 'passed'} (seed {graded.seed})")
    return disagreements


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="e.g. a01 a03 (default: all)")
    parser.add_argument("--function", action="append", help="only this function's mutants (repeatable)")
    default_csv = Path(tempfile.gettempdir()) / "deepgrad-mutants.csv"
    parser.add_argument("--csv", type=Path, default=default_csv, help=f"the report (default: {default_csv})")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="hidden-input seeds, comma-separated")
    parser.add_argument("--autograde", type=int, default=0, metavar="N",
                        help="also grade N mutants through the sandboxed verdict and compare")
    args = parser.parse_args(argv)
    unknown = set(args.assignments) - set(NOTEBOOKS)
    if unknown:
        parser.error(f"no assignment {sorted(unknown)}; there are {sorted(NOTEBOOKS)}")
    started = time.monotonic()
    verdicts = run(args.assignments or sorted(NOTEBOOKS), args.function,
                   tuple(int(s) for s in args.seeds.split(",")))
    write_csv(verdicts, args.csv)
    survivors = [v for v in verdicts if v.outcome == SURVIVED]
    errors = [v for v in verdicts if v.outcome.startswith("ERROR")]
    counts = {o: sum(v.outcome.split()[0] == o for v in verdicts) for o in ("public", "hidden", "timeout")}
    print(f"{len(verdicts)} mutants in {time.monotonic() - started:.0f} s: {counts['public']} killed by a "
          f"public check, {counts['hidden']} by a hidden one, {counts['timeout']} timed out, "
          f"{sum(v.outcome == EQUIVALENT for v in verdicts)} equivalent, {len(survivors)} survived, "
          f"{len(errors)} errors; report in {args.csv}")
    for v in survivors + errors:
        print(f"  {v.outcome}: {v.mutant.key}   (cell line {v.mutant.lineno})")
    disagreements = autograde_sample(verdicts, args.autograde) if args.autograde else []
    if args.autograde:
        print(f"autograde: {args.autograde} mutants graded through the sandboxed verdict, "
              f"{len(disagreements)} disagreements")
    for line in disagreements:
        print(f"  autograde disagrees: {line}")
    return 1 if survivors or errors or disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
