"""The pytest plugin behind ``pytest autograder``: options, markers, workers and the score table."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .calls import WorkerCaller
from .sandbox import sandbox_missing
from .registry import CHECKS, NOT_CHECKED_YET, TASKS, load_all
from .submission import SubmissionError, find_notebooks

COURSE_ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption("--submission", default=None, metavar="PATH",
                     help="folder of notebooks, or one notebook, to check (default: assignments/)")


def pytest_configure(config):
    load_all()
    for assignment in sorted({t.assignment for t in TASKS.values()}):
        config.addinivalue_line("markers", f"{assignment}: checks of assignment {assignment}")
    for task in TASKS.values():
        config.addinivalue_line("markers", f"{task.id.replace('.', '_')}: checks of task {task.id}")
    config._deepgrad_outcomes = {}


def pytest_generate_tests(metafunc):
    if "check_id" in metafunc.fixturenames:
        metafunc.parametrize("check_id", [
            pytest.param(c.id, id=c.id, marks=[getattr(pytest.mark, c.task.assignment),
                                               getattr(pytest.mark, c.task.id.replace(".", "_"))])
            for c in CHECKS.values()])


class Submission:
    """One sandboxed worker per notebook, started on first use."""

    def __init__(self, target: Path):
        self.target = target
        self.notebooks = find_notebooks(target)
        self.callers: dict[str, WorkerCaller] = {}
        self.task_results: dict[str, bool] = {}  # task id -> all its public checks pass

    def caller(self, assignment: str) -> WorkerCaller:
        if assignment not in self.notebooks:
            pytest.skip(f"no notebook for {assignment} in {self.target}")
        if assignment not in self.callers:
            self.callers[assignment] = WorkerCaller(self.notebooks[assignment])
        return self.callers[assignment]

    def close(self) -> None:
        for caller in self.callers.values():
            caller.close()


@pytest.fixture(scope="session")
def submission(request):
    option = request.config.getoption("--submission")
    target = Path(option) if option else COURSE_ROOT / "assignments"
    try:
        sub = Submission(target)
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
        item.config._deepgrad_outcomes[callspec.params["check_id"]] = outcome


def points_table(outcomes: dict[str, str]) -> tuple[list[tuple], dict]:
    """Rows (assignment, task, earned, possible, note) and the score summary."""
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
    if not outcomes:
        _nothing_selected(terminalreporter, config)
        return
    rows, summary = points_table(outcomes)
    tr = terminalreporter
    tr.section("deepgrad self-check")
    tr.write_line(f"{'assignment':<11}{'task':<30}{'points':>10}   checks")
    for assignment, task, earned, possible, note in rows:
        tr.write_line(f"{assignment:<11}{task:<30}{earned:>5g} / {possible:<4g}  {note}")
    tr.write_line(f"{'total':<41}{summary['score']:>5g} / {summary['max_score']:<4g}")
    waiting = summary["public_checks_not_checked_yet"]
    tr.write_line(f"public checks: {summary['public_checks_passed']}/{summary['public_checks_total']} "
                  "passed" + (f" ({waiting} not checked yet: fix the functions they wait on first)" if waiting else "")
                  + "; hidden checks run at grading")
    missing = sandbox_missing()
    if missing:  # said once: the checks still ran, under time and memory limits only
        tr.write_line(f"note: your code ran without the sandbox ({missing}); time and memory limits only")
    tr.write_line(json.dumps(summary))
