"""The pytest plugin behind ``pytest autograder``: options, markers, workers and the score table."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .calls import WorkerCaller
from .host import WorkerHost
from .sandbox import sandbox_missing
from .notebook import NotebookError, carried_tasks
from .registry import (CHECKS, NOT_CHECKED_YET, NOT_PASTED_YET, TASKS, carried_id, checks_for, load_all,
                       split_carried)
from .submission import SubmissionError, find_notebooks

COURSE_ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption("--submission", default=None, metavar="PATH",
                     help="folder of notebooks, or one notebook, to check (default: assignments/)")
    parser.addoption("--score-file", default=None, metavar="PATH",
                     help="also write the score summary (JSON) to PATH: the one place a program should read "
                          "it from, since the terminal shows what the checked code printed too")


def pytest_configure(config):
    load_all()
    for assignment in sorted({t.assignment for t in TASKS.values()}):
        config.addinivalue_line("markers", f"{assignment}: checks of assignment {assignment}")
    for task in TASKS.values():
        config.addinivalue_line("markers", f"{task.id.replace('.', '_')}: checks of task {task.id}")
    config.addinivalue_line("markers", "carried: earlier assignments' checks of the functions pasted into "
                                       "a later notebook (no points)")
    config._deepgrad_outcomes = {}


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: the plugin may be absent or not loaded
def pytest_xdist_auto_num_workers(config):
    """The self-check runs in one process, whatever ``-n auto`` in pyproject.toml asks of the project's
    own suite: its score table is built from every check's outcome in this process, and it answers
    in seconds anyway."""
    return 0


def submission_target(config) -> Path:
    option = config.getoption("--submission")
    return Path(option) if option else COURSE_ROOT / "assignments"


def carried(target: Path) -> dict[str, list[str]]:
    """Each notebook's carried tasks (see :func:`autograder.notebook.carried_tasks`), read from the
    submission's notebooks; none where they cannot be read (their own checks say why)."""
    try:
        notebooks = find_notebooks(target)
    except SubmissionError:
        return {}
    found = {}
    for assignment, path in notebooks.items():
        try:
            found[assignment] = [t for t in carried_tasks(path) if t in TASKS]
        except (NotebookError, OSError):
            continue
    return found


def pytest_generate_tests(metafunc):
    """One test per check, marked by assignment and task; after an assignment's own checks, those
    carried into its notebook ("a04/carried/a03.affine_forward.values", marked a04 and carried)."""
    if "check_id" not in metafunc.fixturenames:
        return

    def param(test_id, item, notebook, *extra):
        return pytest.param(test_id, id=test_id, marks=[getattr(pytest.mark, notebook),
                                                        getattr(pytest.mark, item.task.id.replace(".", "_")), *extra])
    by_notebook: dict[str, list] = {}
    for c in CHECKS.values():
        by_notebook.setdefault(c.task.assignment, []).append(param(c.id, c, c.task.assignment))
    for notebook, task_ids in carried(submission_target(metafunc.config)).items():
        by_notebook.setdefault(notebook, []).extend(
            param(carried_id(notebook, c.id), c, notebook, pytest.mark.carried)
            for task_id in task_ids for c in checks_for(task_id))
    metafunc.parametrize("check_id", [p for notebook in sorted(by_notebook) for p in by_notebook[notebook]])


class Submission:
    """A caller per notebook, its process started on first use: a copy forked by one sandbox for
    them all (:mod:`autograder.host`), or where no sandbox can be made, a plain worker each."""

    def __init__(self, target: Path):
        self.target = target
        self.notebooks = find_notebooks(target)
        self.callers: dict[str, WorkerCaller] = {}
        self.host = None if sandbox_missing() else WorkerHost()
        # notebook ("a04") -> task id -> all its public checks pass on that notebook's functions
        self.task_results: dict[str, dict[str, bool]] = {}

    def caller(self, assignment: str) -> WorkerCaller:
        if assignment not in self.notebooks:
            pytest.skip(f"no notebook for {assignment} in {self.target}")
        if assignment not in self.callers:
            self.callers[assignment] = WorkerCaller(self.notebooks[assignment], host=self.host)
        return self.callers[assignment]

    def close(self) -> None:
        if self.host is not None:  # first: its notebook's copy then ends with it, unasked
            self.host.close()
        for caller in self.callers.values():
            caller.close()


@pytest.fixture(scope="session")
def submission(request):
    try:
        sub = Submission(submission_target(request.config))
    except SubmissionError as exc:
        pytest.exit(str(exc), returncode=4)
    yield sub
    sub.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    callspec = getattr(item, "callspec", None)
    if callspec is None or "check_id" not in callspec.params:
        return
    if report.when == "call" or report.outcome != "passed":
        outcome = "skipped" if report.skipped else report.outcome
        if report.skipped and NOT_CHECKED_YET in str(report.longrepr):
            outcome = NOT_CHECKED_YET
        elif report.failed and split_carried(callspec.params["check_id"])[0] and \
                f"{NOT_PASTED_YET}: " in str(report.longrepr):
            outcome = NOT_PASTED_YET
        item.config._deepgrad_outcomes[callspec.params["check_id"]] = outcome


def points_table(outcomes: dict[str, str]) -> tuple[list[tuple], dict]:
    """Rows (assignment, task, earned, possible, note) and the score summary, of the assignments'
    own checks (the carried ones earn nothing: see :func:`carried_table`)."""
    outcomes = {i: o for i, o in outcomes.items() if i in CHECKS}
    rows, earned_total, possible_total = [], 0.0, 0.0
    for task in TASKS.values():
        ids = [c.id for c in CHECKS.values() if c.task is task]
        ran = [outcomes[i] for i in ids if i in outcomes and outcomes[i] != "skipped"]
        if not ran:
            continue
        passed = sum(o == "passed" for o in ran)
        waiting = sum(o == NOT_CHECKED_YET for o in ran)
        complete = len(ran) == len(ids)
        earned = task.points if complete and passed == len(ids) else 0.0
        note = f"{passed}/{len(ids)} checks passed" + ("" if complete else f" ({len(ran)} run)")
        if waiting:
            note += f", {waiting} not checked yet (another function fails first)"
        rows.append((task.assignment, task.name, earned, task.points, note))
        earned_total += earned
        possible_total += task.points
    checked = [o for o in outcomes.values() if o not in ("skipped", NOT_CHECKED_YET)]
    summary = {"score": earned_total, "max_score": possible_total,
               "public_checks_passed": sum(o == "passed" for o in checked),
               "public_checks_total": len(checked),
               "public_checks_not_checked_yet": sum(o == NOT_CHECKED_YET for o in outcomes.values()),
               "hidden_checks": "run at grading"}
    return rows, summary


def carried_table(outcomes: dict[str, str]) -> dict[str, list[tuple]]:
    """The carried checks that ran, by the assignment they come from ("a03"): rows (notebook,
    task, verdict, note), one per function (task) pasted into a notebook."""
    ran: dict[tuple[str, str], list[str]] = {}
    for test_id, outcome in outcomes.items():
        notebook, check_id = split_carried(test_id)
        if notebook is not None and outcome != "skipped":
            ran.setdefault((notebook, CHECKS[check_id].task.id), []).append(outcome)
    blocks: dict[str, list[tuple]] = {}
    for (notebook, task_id), results in sorted(ran.items(), key=lambda item: item[0][0]):
        task = TASKS[task_id]
        passed, waiting = results.count("passed"), results.count(NOT_CHECKED_YET)
        verdict = ("not pasted" if NOT_PASTED_YET in results else "failed" if "failed" in results
                   else "not checked" if waiting else "passed")
        note = f"{passed}/{len(results)} checks passed"
        if waiting:
            note += f", {waiting} not checked yet (another function fails first)"
        blocks.setdefault(task.assignment, []).append((notebook, task.name, verdict, note))
    return dict(sorted(blocks.items()))


def _nothing_selected(terminalreporter, config) -> None:
    """Say why no check ran when `-m` or `-k` matched none, with the names that would."""
    chosen = [f"{flag} {value!r}" for flag, value in (("-m", config.option.markexpr),
                                                       ("-k", config.option.keyword)) if value]
    if not chosen:
        return
    assignments = sorted({t.assignment for t in TASKS.values()})
    example = next(iter(CHECKS.values()))
    terminalreporter.write_line(
        f"deepgrad self-check: no check matched {' and '.join(chosen)}. Markers are the assignments "
        f"({', '.join(assignments)}) and the tasks ({example.task.id.replace('.', '_')}, ...; all of them: "
        f"`pytest autograder --markers`); -k matches parts of check names such as {example.id}.")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """The points table, the coverage line and the score line come last, below pytest's own
    summary (outermost wrapper: this runs after the terminal reporter has written its part)."""
    result = yield
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        _write_score(reporter, session.config)
    return result


def _write_score(terminalreporter, config):
    outcomes = getattr(config, "_deepgrad_outcomes", {})
    rows, summary = points_table(outcomes)
    if score_file := config.getoption("--score-file"):
        Path(score_file).write_text(json.dumps(summary) + "\n", encoding="utf-8")
    if not outcomes:
        _nothing_selected(terminalreporter, config)
        return
    tr = terminalreporter
    tr.section("deepgrad self-check")
    tr.write_line(f"{'assignment':<11}{'task':<30}{'points':>10}   checks")
    for assignment, task, earned, possible, note in rows:
        tr.write_line(f"{assignment:<11}{task:<30}{earned:>5g} / {possible:<4g}  {note}")
    tr.write_line(f"{'total':<41}{summary['score']:>5g} / {summary['max_score']:<4g}")
    for source, carried_rows in carried_table(outcomes).items():
        n = int(source[1:])
        tr.write_line(f"carried from assignment {n} (no points: Assignment {n}'s public checks on what you pasted)")
        for notebook, task, verdict, note in carried_rows:
            tr.write_line(f"{notebook:<11}{task:<30}{verdict:>12}  {note}")
    waiting = summary["public_checks_not_checked_yet"]
    tr.write_line(f"public checks: {summary['public_checks_passed']}/{summary['public_checks_total']} "
                  "passed" + (f" ({waiting} not checked yet: fix the functions they wait on first)" if waiting else "")
                  + "; hidden checks run at grading")
    missing = sandbox_missing()
    if missing:  # said once: the checks still ran, under time and memory limits only
        tr.write_line(f"note: your code ran without the sandbox ({missing}); time and memory limits only")
    tr.write_line(json.dumps(summary))
