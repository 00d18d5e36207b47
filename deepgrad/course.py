"""The course folder and the nbgrader commands run on it."""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
_ASSIGNMENT_DIR = re.compile(r"^a\d\d_\w+$")
COURSE_FILES = ("solutions", "source_data", "nbgrader_config.py")


class CourseError(Exception):
    """Something the course needs is missing or failed; the message says what to do."""


def usable_cores() -> int:
    """The cores this process may run on (``deepgrad autograde --jobs``' default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def find_root(start: Path | None = None) -> Path:
    """The course folder: ``start`` (default: the current folder) or the installed checkout."""
    for candidate in (Path(start or Path.cwd()).resolve(), PACKAGE_ROOT):
        if (candidate / "nbgrader_config.py").is_file() and (candidate / "solutions").is_dir():
            return candidate
    raise CourseError("no course found: run this from the deepgrad course folder (the one with "
                      "nbgrader_config.py and solutions/), after `pip install -e .` there")


def assignments(root: Path) -> list[str]:
    names = sorted(p.name for p in (root / "solutions").iterdir()
                   if p.is_dir() and _ASSIGNMENT_DIR.match(p.name))
    if not names:
        raise CourseError(f"{root / 'solutions'} holds no assignment folder (a01_..., a02_...)")
    return names


def notebook(root: Path, folder: str, assignment: str) -> Path:
    return root / folder / assignment / f"{assignment}.ipynb"


def copy_course(root: Path, dest: Path) -> Path:
    """Copy what nbgrader needs to grade (never grading outputs) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = root / name
        if not src.exists():
            raise CourseError(f"{src} is missing from the course")
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    return dest


# nbgrader's pass over one submission may take this long, whatever its cells do.
NOTEBOOK_SECONDS = 300


class Nbgrader:
    """nbgrader's own API (the code behind its command line) on one course folder, in-process.

    One process for every step saves nbgrader's ~2.5 s start-up per command.
    """

    def __init__(self, root: Path, cell_timeout: float | None = None,
                 notebook_seconds: float = NOTEBOOK_SECONDS):
        try:
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory
            from traitlets.config.loader import PyFileConfigLoader
        except ImportError as exc:
            raise CourseError(f"nbgrader is not installed ({exc}): run `pip install -e .` in the "
                              "course folder") from None
        self.root = Path(root)
        self.notebook_seconds = notebook_seconds
        self.cell_timeout = cell_timeout
        # nbgrader's own SQLAlchemy usage warns on every autograde; nothing for an instructor to act on
        warnings.filterwarnings("ignore", module="nbgrader")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        if cell_timeout is not None:
            config.Execute.timeout = cell_timeout
        # NbGraderAPI looks for the exchange, and says so loudly where there is none (a course
        # graded from submitted/, the demo's copy): nothing deepgrad's commands use.
        quiet = logging.getLogger("traitlets")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL + 1)
        try:
            self.api = NbGraderAPI(CourseDirectory(config=config), config=config)
        finally:
            quiet.setLevel(level)
        self.api.log.setLevel(logging.ERROR)
        # The course's gradebook, whatever database nbgrader_config.py names (SQLite by default).
        self.db_url = self.api.coursedir.db_url
        self._gradebook_checked = False

    def _run(self, step: str, *args, **kwargs) -> None:
        if not self._gradebook_checked:  # nbgrader's steps make a missing gradebook: made here, quicker
            from .gradebook import create_if_absent

            create_if_absent(self.db_url)
            self._gradebook_checked = True
        result = getattr(self.api, step)(*args, **kwargs)
        if not result.get("success"):
            log = "\n".join((result.get("log") or "").splitlines()[-25:])
            raise CourseError(f"nbgrader {step} {' '.join(args)} failed:\n{result.get('error') or ''}\n{log}")

    def generate_assignment(self, assignment: str) -> None:
        self._run("generate_assignment", assignment, force=True, create=True)

    def autograde(self, assignment: str, student: str, sandboxed: bool = True, stopped: bool = False) -> None:
        """nbgrader's autograde, its kernel in the sandbox (unless ``sandboxed`` is False). A
        notebook still running after ``notebook_seconds`` has its kernel killed: nbgrader's
        per-cell timeout bounds each cell, not their sum. ``stopped``: a job of this run already
        ran the notebook (:mod:`deepgrad.jobs`) and its cap stopped it."""
        from .nbgrader_plugin import Grading, grading_run, in_run

        if in_run():  # `deepgrad autograde`'s run: its verdict settings and workers
            self._autograde(assignment, student, sandboxed, stopped)
            return
        grading = Grading(sandboxed=sandboxed)  # this pass's own, its reference worker closed after it
        try:
            with grading_run(grading):
                self._autograde(assignment, student, sandboxed, stopped)
        finally:
            grading.close()

    def _autograde(self, assignment: str, student: str, sandboxed: bool, stopped_before: bool) -> None:
        from .kernel import SandboxedKernelManager

        self.api.config.Execute.kernel_manager_class = SandboxedKernelManager
        problem = None
        with capped_kernels(sandboxed, self.notebook_seconds) as stopped, self._executed_by_job(assignment, student):
            try:
                self._run("autograde", assignment, student, force=True, create=True)
            except CourseError as exc:
                problem = exc
        if stopped.is_set() or stopped_before:
            raise CourseError(f"nbgrader's run of the notebook was stopped after {self.notebook_seconds:g} s")
        if problem is not None:
            raise problem

    @contextmanager
    def _executed_by_job(self, assignment: str, student: str):
        """While inside, nbgrader's Execute is :class:`~deepgrad.nbgrader_plugin.ExecutedElsewhere`
        if a job of this run (:mod:`deepgrad.jobs`) already ran this submission's notebook."""
        from nbgrader.preprocessors import Execute

        from .jobs import autograde_steps
        from .nbgrader_plugin import ExecutedElsewhere, current

        if (assignment, student) not in current().executed:
            yield
            return
        section = self.api.config.Autograde
        before = section.get("autograde_preprocessors")
        steps = autograde_steps(self.api.config, "autograde_preprocessors")
        section.autograde_preprocessors = [ExecutedElsewhere if isinstance(p, type) and issubclass(p, Execute)
                                           else p for p in steps]
        try:
            yield
        finally:
            if before is None:
                del section["autograde_preprocessors"]
            else:
                section.autograde_preprocessors = before

    def generate_feedback(self, assignment: str, student: str) -> None:
        self._run("generate_feedback", assignment, student, force=True)

    def export_csv(self, path: Path) -> Path:
        from nbgrader.api import Gradebook

        from .grades_export import SafeCsvExportPlugin

        with Gradebook(self.db_url) as gradebook:
            SafeCsvExportPlugin(to=str(path)).export(gradebook)
        return path


@contextmanager
def capped_kernels(sandboxed: bool, seconds: float):
    """While inside, every kernel nbgrader starts runs in the sandbox (unless ``sandboxed`` is
    False), in one resource group, and all of them are killed ``seconds`` after the first one
    started; yields the event set when that happened. On leaving, every kernel left is killed."""
    from autograder.resources import ResourceGroup

    from .kernel import KERNEL_MEMORY_BYTES, KERNEL_PROCESSES, SandboxedKernelManager

    SandboxedKernelManager.sandboxed = sandboxed
    SandboxedKernelManager.group = ResourceGroup(KERNEL_PROCESSES, KERNEL_MEMORY_BYTES)
    SandboxedKernelManager.started = []
    stopped = threading.Event()

    def stop():  # nbclient sees the kernel die and gives up on the notebook
        stopped.set()
        SandboxedKernelManager.kill_all()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    # The cap is on the run of the notebook: it starts with the kernel, after the verdict
    # (deepgrad.nbgrader_plugin) graded the submission under caps of its own.
    SandboxedKernelManager.on_start = lambda: timer.is_alive() or stopped.is_set() or timer.start()
    try:
        yield stopped
    finally:
        timer.cancel()
        SandboxedKernelManager.kill_all()  # a kernel nbgrader failed to shut down, and its children
        SandboxedKernelManager.group.remove()
        SandboxedKernelManager.group = None
        SandboxedKernelManager.on_start = None
