"""The pytest plugin behind ``pytest autograder``: options, markers, workers and the score table.

It speaks the language of the notebooks it checks (:mod:`autograder.messages`): each check says
its messages in its notebook's language (``metadata.deepgrad.language``, which each edition's
release writes; English where there is none), and the score table is said in the language of the
notebooks checked (English where they differ). ``--lang en`` or ``--lang zh-TW``, or else the
``DEEPGRAD_LANG`` environment variable, says every message in that language instead.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from .calls import WorkerCaller
from .host import EarlySandbox, WorkerHost
from .messages import ENVIRONMENT, LANGUAGES, SOURCE_LANGUAGE, N_, overridden, say, speaking
from .sandbox import sandbox_missing
from .notebook import NotebookError, carried_tasks, notebook_language
from .registry import (CHECKS, NOT_CHECKED_YET, NOT_PASTED_YET, TASKS, carried_id, checks_for, load_all,
                       split_carried)
from .submission import SubmissionError, find_notebooks

COURSE_ROOT = Path(__file__).resolve().parents[1]


AUTO = "auto"  # --lang's default: each notebook's own language


def _environment_language() -> str:
    """``DEEPGRAD_LANG``'s language, English if it names none (or none the course has: said at configure)."""
    try:
        return overridden() or SOURCE_LANGUAGE
    except ValueError:
        return SOURCE_LANGUAGE


def pytest_addoption(parser):
    with speaking(_environment_language()):  # (no notebook read yet)
        parser.addoption("--submission", default=None, metavar="PATH",
                         help=say("folder of notebooks, or one notebook, to check (default: assignments/)"))
        parser.addoption("--score-file", default=None, metavar="PATH",
                         help=say("also write the score summary (JSON) to PATH: the one place a program should read "
                                  "it from, since the terminal shows what the checked code printed too"))
        parser.addoption("--lang", default=AUTO, choices=(AUTO, *LANGUAGES),
                         help=say("the language of the messages: {auto} (the default: each notebook's own, or "
                                  "${variable} if set) or one of {languages}", auto=AUTO, variable=ENVIRONMENT,
                                  languages=", ".join(LANGUAGES)))


def override(config) -> str | None:
    """The language every message is said in, whatever the notebooks' (``--lang``, else
    ``DEEPGRAD_LANG``), or None: each notebook's own."""
    chosen = config.getoption("--lang", AUTO)
    return chosen if chosen != AUTO else overridden()


def pytest_configure(config):
    try:
        chosen = override(config)
    except ValueError as exc:  # DEEPGRAD_LANG names no language of the course
        raise pytest.UsageError(str(exc)) from None
    start_sandbox_early(config)  # first: it imports while the rest of pytest's start goes on
    load_all()
    with speaking(chosen or SOURCE_LANGUAGE):  # `pytest --markers` (no notebook read yet)
        for assignment in sorted({t.assignment for t in TASKS.values()}):
            config.addinivalue_line("markers", f"{assignment}: " + say("checks of assignment {assignment}",
                                                                       assignment=assignment))
        for task in TASKS.values():
            config.addinivalue_line("markers", f"{task.id.replace('.', '_')}: " + say("checks of task {task}",
                                                                                    task=task.id))
        config.addinivalue_line("markers", "carried: " + say("earlier assignments' checks of the functions pasted "
                                                             "into a later notebook (no points)"))
    config._deepgrad_outcomes = {}
    config._deepgrad_override = chosen


def notebook_languages(config) -> dict[str, str]:
    """Each notebook's language (``{"a01": "zh-TW"}``), read once from the submission's notebooks'
    metadata (:func:`autograder.notebook.notebook_language`); none where they cannot be found."""
    found = getattr(config, "_deepgrad_languages", None)
    if found is None:
        try:
            notebooks = find_notebooks(submission_target(config))
        except SubmissionError:
            notebooks = {}
        found = config._deepgrad_languages = {a: notebook_language(path) for a, path in notebooks.items()}
    return found


def _common_language(languages) -> str:
    """The one language of ``languages``, English if they are several or none."""
    spoken = set(languages)
    return spoken.pop() if len(spoken) == 1 else SOURCE_LANGUAGE


def language_of_notebook(config, notebook: str | None) -> str:
    """The language a check on ``notebook`` ("a04") speaks: the override's, else the notebook's own
    (a notebook the submission lacks: that of the notebooks it has)."""
    chosen = getattr(config, "_deepgrad_override", None)
    if chosen:
        return chosen
    languages = notebook_languages(config)
    return languages[notebook] if notebook in languages else _common_language(languages.values())


def summary_language(config, outcomes: dict[str, str]) -> str:
    """The language of the score table: the override's, else that of the notebooks checked (of
    every notebook found, if no check ran on one), English where they differ."""
    chosen = getattr(config, "_deepgrad_override", None)
    if chosen:
        return chosen
    languages = notebook_languages(config)
    checked = {_notebook_of(test_id) for test_id in outcomes} & set(languages) or set(languages)
    return _common_language(languages[notebook] for notebook in checked)


def _notebook_of(test_id: str) -> str | None:
    """The notebook a check runs on: the one it was carried into, else its own assignment's."""
    carried_into, check_id = split_carried(test_id)
    return carried_into or (CHECKS[check_id].task.assignment if check_id in CHECKS else None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Each check runs (and says its messages) in its notebook's language."""
    callspec = getattr(item, "callspec", None)
    test_id = callspec.params.get("check_id") if callspec is not None else None
    with speaking(language_of_notebook(item.config, _notebook_of(test_id) if isinstance(test_id, str) else None)):
        return (yield)


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


# Options with which pytest shows something and runs no check: no sandbox is started for them.
SHOWING_ONLY = ("help", "version", "markers", "showfixtures", "show_fixtures_per_test", "collectonly")


def start_sandbox_early(config) -> None:
    if not any(getattr(config.option, name, False) for name in SHOWING_ONLY):
        config._deepgrad_sandbox = EarlySandbox()


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    """The early sandbox's host starts now, from the main thread: it imports while pytest collects."""
    early = getattr(session.config, "_deepgrad_sandbox", None)
    if early is not None:
        early.launch()


def pytest_unconfigure(config):
    early = getattr(config, "_deepgrad_sandbox", None)
    if early is not None and not early.taken:  # no check ran: nothing else closes it
        early.close()


class Submission:
    """A caller per notebook, its process started on first use: a copy forked by one sandbox for
    them all (:mod:`autograder.host`, ``host``), or where no sandbox can be made (``host`` None), a
    plain worker each."""

    def __init__(self, target: Path, host: WorkerHost | None):
        self.target = target
        self.notebooks = find_notebooks(target)
        self.callers: dict[str, WorkerCaller] = {}
        self.host = host
        # notebook ("a04") -> task id -> all its public checks pass on that notebook's functions
        self.task_results: dict[str, dict[str, bool]] = {}

    def caller(self, assignment: str) -> WorkerCaller:
        if assignment not in self.notebooks:
            pytest.skip(say("no notebook for {assignment} in {target}", assignment=assignment, target=self.target))
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
    early = getattr(request.config, "_deepgrad_sandbox", None) or EarlySandbox()
    host = early.host()
    try:
        with speaking(getattr(request.config, "_deepgrad_override", None) or SOURCE_LANGUAGE):
            sub = Submission(submission_target(request.config), host)
    except SubmissionError as exc:
        if host is not None:
            host.close()
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
        # the check's own word for how it ended (autograder.test_selfcheck), if it said one
        said = getattr(item, "deepgrad_outcome", None) if report.when == "call" else None
        if report.skipped and said == NOT_CHECKED_YET:
            outcome = NOT_CHECKED_YET
        elif report.failed and split_carried(callspec.params["check_id"])[0] and said == NOT_PASTED_YET:
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
        note = say("{passed}/{total} checks passed", passed=passed, total=len(ids)) + (
            "" if complete else say(" ({count} run)", count=len(ran)))
        if waiting:
            note += say(", {count} not checked yet (another function fails first)", count=waiting)
        rows.append((task.assignment, task.name, earned, task.points, note))
        earned_total += earned
        possible_total += task.points
    checked = [o for o in outcomes.values() if o not in ("skipped", NOT_CHECKED_YET)]
    summary = {"score": earned_total, "max_score": possible_total,
               "public_checks_passed": sum(o == "passed" for o in checked),
               "public_checks_total": len(checked),
               "public_checks_not_checked_yet": sum(o == NOT_CHECKED_YET for o in outcomes.values()),
               # the JSON line is for programs: its words are the same in every language (N_: said nowhere)
               "hidden_checks": N_("run at grading")}
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
        verdict = (say("not pasted") if NOT_PASTED_YET in results else say("failed") if "failed" in results
                   else say("not checked") if waiting else say("passed"))
        note = say("{passed}/{total} checks passed", passed=passed, total=len(results))
        if waiting:
            note += say(", {count} not checked yet (another function fails first)", count=waiting)
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
    terminalreporter.write_line(say(
        "deepgrad self-check: no check matched {chosen}. Markers are the assignments ({assignments}) and the "
        "tasks ({task}, ...; all of them: `pytest autograder --markers`); -k matches parts of check names such "
        "as {example}.", chosen=say(" and ").join(chosen), assignments=", ".join(assignments),
        task=example.task.id.replace(".", "_"), example=example.id))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """The points table, the coverage line and the score line come last, below pytest's own
    summary (outermost wrapper: this runs after the terminal reporter has written its part)."""
    result = yield
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        _write_score(reporter, session.config)
    return result


def _width(text: str) -> int:
    """How many columns ``text`` takes on a terminal (a Chinese character: two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _write_score(terminalreporter, config):
    outcomes = getattr(config, "_deepgrad_outcomes", {})
    with speaking(summary_language(config, outcomes)):
        _write_table(terminalreporter, config, outcomes)


def _write_table(terminalreporter, config, outcomes):
    rows, summary = points_table(outcomes)
    if score_file := config.getoption("--score-file"):
        Path(score_file).write_text(json.dumps(summary, ensure_ascii=False) + "\n", encoding="utf-8")
    if not outcomes:
        _nothing_selected(terminalreporter, config)
        return
    tr = terminalreporter
    tr.section(say("deepgrad self-check"))
    tr.write_line(_left(say("assignment"), 11) + _left(say("task"), 30) + _right(say("points"), 10) + "   "
                  + say("checks"))
    for assignment, task, earned, possible, note in rows:
        tr.write_line(f"{assignment:<11}{task:<30}{earned:>5g} / {possible:<4g}  {note}")
    tr.write_line(_left(say("total"), 41) + f"{summary['score']:>5g} / {summary['max_score']:<4g}")
    for source, carried_rows in carried_table(outcomes).items():
        tr.write_line(say("carried from assignment {n} (no points: Assignment {n}'s public checks on what you pasted)",
                          n=int(source[1:])))
        for notebook, task, verdict, note in carried_rows:
            tr.write_line(f"{notebook:<11}{task:<30}" + _right(verdict, 12) + f"  {note}")
    waiting = summary["public_checks_not_checked_yet"]
    passed, total = summary["public_checks_passed"], summary["public_checks_total"]
    tr.write_line(say("public checks: {passed}/{total} passed ({waiting} not checked yet: fix the functions they "
                      "wait on first); hidden checks run at grading", passed=passed, total=total, waiting=waiting)
                  if waiting else
                  say("public checks: {passed}/{total} passed; hidden checks run at grading", passed=passed,
                      total=total))
    missing = sandbox_missing()
    if missing:  # said once: the checks still ran, under time and memory limits only
        tr.write_line(say("note: your code ran without the sandbox ({why}); time and memory limits only", why=missing))
    tr.write_line(json.dumps(summary, ensure_ascii=False))
