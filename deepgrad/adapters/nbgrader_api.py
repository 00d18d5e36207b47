"""nbgrader's own API (the code behind its command line), run in-process on one course folder,
with deepgrad's grading settings: every kernel in the sandbox under a cap on the whole notebook,
and the runs a job of ``deepgrad autograde --jobs`` already made taken from that job."""
from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from ..base.errors import CourseError
from .gradebook import create_if_absent, engines_shared
from .grades_export import SafeCsvExportPlugin
from .kernel import SandboxedKernelManager, capped_kernels
from .translated_release import release_folder
from .preprocessors import ExecutedElsewhere, Grading, current, grading_run, in_run

# nbgrader's pass over one submission may take this long, whatever its cells do.
NOTEBOOK_SECONDS = 300


class Nbgrader:
    """nbgrader's own API (the code behind its command line) on one course folder, in-process.

    One process for every step saves nbgrader's ~2.5 s start-up per command.
    """

    def __init__(self, root: Path, cell_timeout: float | None = None,
                 notebook_seconds: float = NOTEBOOK_SECONDS, language: str | None = None):
        self.root = Path(root)
        self.notebook_seconds = notebook_seconds
        self.cell_timeout = cell_timeout
        # nbgrader's own SQLAlchemy usage warns on every autograde; nothing for an instructor to act on
        warnings.filterwarnings("ignore", module="nbgrader")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        if cell_timeout is not None:
            config.Execute.timeout = cell_timeout
        if language is not None:  # this edition, whatever the course's (deepgrad release --lang)
            config.TranslateNotebook.language = language
            config.TranslateNotebook.root = str(self.root)
            config.CourseDirectory.release_directory = release_folder(language)
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
            create_if_absent(self.db_url)
            self._gradebook_checked = True
        with engines_shared():  # nbgrader's gradebooks keep their compiled SQL from one to the next
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
        ran the notebook (:mod:`deepgrad.runs.jobs`) and its cap stopped it."""
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
        """While inside, nbgrader's Execute is :class:`~deepgrad.adapters.preprocessors.ExecutedElsewhere`
        if a job of this run (:mod:`deepgrad.runs.jobs`) already ran this submission's notebook."""
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
        with Gradebook(self.db_url) as gradebook:
            SafeCsvExportPlugin(to=str(path)).export(gradebook)
        return path


def autograde_steps(config, name: str) -> list:
    """nbgrader's ``Autograde.<name>`` (``sanitize_preprocessors``, ``autograde_preprocessors``)
    as this configuration sets it, or nbgrader's default; names given as strings imported."""
    steps = config.Autograde.get(name)
    steps = steps if steps is not None else Autograde.class_traits()[name].default()
    return [import_item(p) if isinstance(p, str) else p for p in steps]
