"""``deepgrad autograde --jobs N``: the heavy half of grading, side by side, in worker processes.

A job judges one submission exactly as the serial pass does, and writes nothing the run's
coordinator owns: the verdict (sandboxed workers; one reference worker per job process, kept for
every job it runs), then nbgrader's run of the notebook in the sandboxed kernel, on the notebook
nbgrader's own sanitizing steps (the course's ``c.Autograde.sanitize_preprocessors``) make of the
snapshot. The coordinator then gives each submission nbgrader's ordinary autograde pass, in which
:class:`~deepgrad.nbgrader_plugin.TrustedVerdict` takes the job's verdict and
:class:`~deepgrad.nbgrader_plugin.ExecutedElsewhere` the job's outputs, provided the job ran the
very notebook that pass has (else the pass runs it itself). So one process writes the gradebook,
the feedback and the report, and a run with jobs gives what a serial run gives.

Jobs run trusted code only (student code runs in the sandboxes they start), so what they send
back is the grader's own data, sent between the grader's processes.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.registry import exception_summary
from autograder.sandbox import Limits

from .nbgrader_plugin import Executed, Grading, TrustedVerdict, fingerprint, grading_run
from .snapshot import SnapshotError
from .verdict import SubmissionVerdict


@dataclass
class Judged:
    """What a job sends back: the verdict (with the snapshot it graded) and nbgrader's run of it."""

    verdict: SubmissionVerdict
    executed: Executed | None  # None: nbgrader must not run this notebook (its snapshot was refused)


_process: dict = {}  # this job process's Gradings (one per limits and sandbox) and configuration


def _start_process(environment: dict[str, str]) -> None:
    """Each job process starts with the coordinator's environment (a forkserver's would be older)."""
    os.environ.clear()
    os.environ.update(environment)
    multiprocessing.util.Finalize(None, _close, exitpriority=10)


def _close() -> None:
    for grading in _process.pop("gradings", {}).values():
        grading.close()  # its reference workers


def _grading(limits: Limits, sandboxed: bool) -> Grading:
    gradings = _process.setdefault("gradings", {})
    key = (limits, sandboxed)
    if key not in gradings:
        gradings[key] = Grading(limits=limits, sandboxed=sandboxed, report=False)
    return gradings[key]


def judge(course: Path, assignment: str, student: str, snapshot: Path | SnapshotError, limits: Limits,
          sandboxed: bool, notebook_seconds: float, cell_timeout: float | None) -> Judged:
    """One submission's verdict and nbgrader's run of its notebook, in a job process."""
    grading = _grading(limits, sandboxed)
    grading.snapshots = {student: snapshot}
    config = _config(course, cell_timeout)
    source = _source(course, config, assignment)
    with grading_run(grading):
        verdict = grading.judge(course, source, student, assignment)
    if verdict.snapshot is None:  # refused: nbgrader's pass will be refused too
        return Judged(verdict, None)
    return Judged(verdict, _execute(course, config, assignment, student, verdict.snapshot,
                                    sandboxed, notebook_seconds))


def _config(course: Path, cell_timeout: float | None):
    key = (course, cell_timeout)
    if _process.get("config_key") != key:
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        if cell_timeout is not None:
            config.Execute.timeout = cell_timeout
        _process["config"], _process["config_key"] = config, key
    return _process["config"]


def _source(course: Path, config, assignment: str) -> Path:
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    return Path(coursedir.root).resolve() / coursedir.source_directory / assignment / f"{assignment}.ipynb"


def _steps(config, name: str, default) -> list:
    from traitlets.utils.importstring import import_item

    steps = config.Autograde.get(name)
    return [import_item(p) if isinstance(p, str) else p for p in (steps if steps is not None else default)]


def _execute(course: Path, config, assignment: str, student: str, snapshot: bytes,
             sandboxed: bool, notebook_seconds: float) -> Executed:
    """nbgrader's sanitizing steps on the snapshot (its own first step, the verdict, is done), the
    sanitized notebook written where nbgrader's pass writes it, then its Execute, under the cap."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute
    from nbgrader.utils import setenv

    from .course import capped_kernels
    from .kernel import SandboxedKernelManager

    coursedir = CourseDirectory(config=config)
    folder = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    resources = {"unique_key": assignment, "output_files_dir": f"{assignment}_files",
                 "metadata": {"path": str(folder)},
                 "nbgrader": {"student": student, "assignment": assignment, "notebook": assignment,
                              "db_url": coursedir.db_url}}
    try:
        nb = nbformat.reads(snapshot.decode("utf-8"), as_version=4)
        for step in _steps(config, "sanitize_preprocessors", Autograde.sanitize_preprocessors.default()):
            if not (isinstance(step, type) and issubclass(step, TrustedVerdict)):
                nb, resources = (step(config=config) if isinstance(step, type) else step).preprocess(nb, resources)
        written = nbformat.writes(nb)
    except Exception as exc:  # noqa: BLE001 -- nbgrader's pass fails on it the same way, and says so
        return Executed("", "", problem=f"nbgrader could not sanitize it ({exception_summary(exc)})")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{assignment}.ipynb").write_text(written, encoding="utf-8")  # as nbgrader's pass leaves it
    nb = nbformat.reads(written, as_version=4)
    ran = fingerprint(nb)
    execute = next(s for s in _steps(config, "autograde_preprocessors", Autograde.autograde_preprocessors.default())
                   if isinstance(s, type) and issubclass(s, Execute))
    config.Execute.kernel_manager_class = SandboxedKernelManager
    with capped_kernels(sandboxed, notebook_seconds) as stopped, setenv(NBGRADER_EXECUTION="autograde"):
        try:
            executed, _ = execute(config=config).preprocess(nb, resources)
        except Exception as exc:  # noqa: BLE001 -- reported where nbgrader's pass would fail
            return Executed(ran, "", problem=exception_summary(exc) or type(exc).__name__,
                            stopped=stopped.is_set())
    return Executed(ran, nbformat.writes(executed), stopped=stopped.is_set())


@contextmanager
def job_pool(jobs: int):
    """``jobs`` job processes while inside; none is left after. They are forked from a server
    process started once with the grader's modules imported (quick to start, and no copy of the
    coordinator's threads); it is stopped on leaving too, so nothing outlives the grading."""
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["deepgrad.jobs", "nbgrader.preprocessors", "nbclient"])
    executor = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_process,
                                   initargs=(dict(os.environ),))
    try:
        yield executor
    except BaseException:
        for process in list((getattr(executor, "_processes", None) or {}).values()):  # Ctrl-C: no job goes on
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        executor.shutdown(wait=True)
        if context.get_start_method() != "fork":
            from multiprocessing import forkserver, resource_tracker

            # Private, but the one way to end the helper processes (3.8 to 3.13 have it); both
            # start again when next needed.
            for helper in (getattr(forkserver, "_forkserver", None), getattr(resource_tracker, "_resource_tracker", None)):
                if hasattr(helper, "_stop"):
                    helper._stop()


def submit(executor, course: Path, assignment: str, student: str, snapshot: Path | SnapshotError,
           limits: Limits, sandboxed: bool, notebook_seconds: float, cell_timeout: float | None) -> Future:
    return executor.submit(judge, course, assignment, student, snapshot, limits, sandboxed,
                           notebook_seconds, cell_timeout)
