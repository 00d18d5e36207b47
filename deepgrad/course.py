"""The course folder and the nbgrader commands run on it."""
from __future__ import annotations

import logging
import re
import shutil
import threading
import warnings
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
_ASSIGNMENT_DIR = re.compile(r"^a\d\d_\w+$")
COURSE_FILES = ("solutions", "source_data", "nbgrader_config.py")


class CourseError(Exception):
    """Something the course needs is missing or failed; the message says what to do."""


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

    def _run(self, step: str, *args, **kwargs) -> None:
        result = getattr(self.api, step)(*args, **kwargs)
        if not result.get("success"):
            log = "\n".join((result.get("log") or "").splitlines()[-25:])
            raise CourseError(f"nbgrader {step} {' '.join(args)} failed:\n{result.get('error') or ''}\n{log}")

    def generate_assignment(self, assignment: str) -> None:
        self._run("generate_assignment", assignment, force=True, create=True)

    def autograde(self, assignment: str, student: str, sandboxed: bool = True) -> None:
        """nbgrader's autograde, its kernel in the sandbox (unless ``sandboxed`` is False). A
        notebook still running after ``notebook_seconds`` has its kernel killed: nbgrader's
        per-cell timeout bounds each cell, not their sum."""
        from .nbgrader_plugin import Grading, grading_run, in_run

        if in_run():  # `deepgrad autograde`'s run: its verdict settings and workers
            self._autograde(assignment, student, sandboxed)
            return
        grading = Grading(sandboxed=sandboxed)  # this pass's own, its reference worker closed after it
        try:
            with grading_run(grading):
                self._autograde(assignment, student, sandboxed)
        finally:
            grading.close()

    def _autograde(self, assignment: str, student: str, sandboxed: bool) -> None:
        from autograder.resources import ResourceGroup

        from .kernel import KERNEL_MEMORY_BYTES, KERNEL_PROCESSES, SandboxedKernelManager

        SandboxedKernelManager.sandboxed = sandboxed
        SandboxedKernelManager.group = ResourceGroup(KERNEL_PROCESSES, KERNEL_MEMORY_BYTES)
        SandboxedKernelManager.started = []
        self.api.config.Execute.kernel_manager_class = SandboxedKernelManager
        stopped = threading.Event()

        def stop():  # nbclient sees the kernel die and gives up on the notebook
            stopped.set()
            SandboxedKernelManager.kill_all()

        timer = threading.Timer(self.notebook_seconds, stop)
        timer.daemon = True
        # The cap is on nbgrader's run of the notebook: it starts with the kernel, after the verdict
        # (deepgrad.nbgrader_plugin) graded the submission under caps of its own.
        SandboxedKernelManager.on_start = lambda: timer.is_alive() or stopped.is_set() or timer.start()
        problem = None
        try:
            self._run("autograde", assignment, student, force=True, create=True)
        except CourseError as exc:
            problem = exc
        finally:
            timer.cancel()
            SandboxedKernelManager.kill_all()  # a kernel nbgrader failed to shut down, and its children
            SandboxedKernelManager.group.remove()
            SandboxedKernelManager.group = None
            SandboxedKernelManager.on_start = None
        if stopped.is_set():
            raise CourseError(f"nbgrader's run of the notebook was stopped after {self.notebook_seconds:g} s")
        if problem is not None:
            raise problem

    def generate_feedback(self, assignment: str, student: str) -> None:
        self._run("generate_feedback", assignment, student, force=True)

    def export_csv(self, path: Path) -> Path:
        from nbgrader.api import Gradebook
        from nbgrader.plugins import CsvExportPlugin

        with Gradebook(self.db_url) as gradebook:
            CsvExportPlugin(to=str(path)).export(gradebook)
        return path
