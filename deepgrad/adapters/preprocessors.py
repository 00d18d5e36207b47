"""deepgrad inside nbgrader: preprocessors the course's ``nbgrader_config.py`` puts into nbgrader's
own converters, so every way of grading runs the trusted verdict and students see only what it says.

- :class:`TrustedVerdict` is the first of ``c.Autograde.sanitize_preprocessors``: before any of a
  submission's code runs, it reads the submitted notebook once, safely (:mod:`deepgrad.base.snapshot`),
  hands nbgrader exactly that notebook, grades it (:func:`deepgrad.grading.verdict.grade_submission`:
  sandboxed workers, the reference's values) and writes the verdict's scores into the course's
  gradebook, and its rows into the grading report. The scores stand even if nbgrader's own run of
  the notebook then fails.
- :class:`ExecuteWithoutTests` is nbgrader's ``Execute`` in ``c.Autograde.autograde_preprocessors``,
  leaving the test cells out: what they would show and score is the verdict's.
- :class:`RecordVerdict` follows nbgrader's ``SaveAutoGrades`` in ``c.Autograde.autograde_preprocessors``:
  it puts the verdict's scores back over the in-kernel ones (or sets them aside where the verdict
  has none) and makes the autograded notebook's test cells show the verdict's messages, marked as
  the verdict's.
- :class:`VerdictOnlyFeedback` is in ``c.GenerateFeedback.preprocessors``: a test cell shows its
  outputs only with the verdict's mark, and never a hidden block, however its notebook was made.

``nbgrader autograde``, the formgrader's buttons and ``deepgrad autograde`` all go through these:
``deepgrad autograde`` adds a per-run context (:func:`grading_run`: one reference worker, snapshots
taken before any submission runs) and its report of submissions nbgrader could not start on.
"""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from autograder.calls import WorkerCaller
from autograder.messages import N_, phrase, speaking_as
from autograder.notebook import cell_type
from autograder.registry import exception_summary
from autograder.sandbox import Limits

from ..base.errors import CourseError
from ..base.notebook_metadata import make_valid
from ..base.permissions import warning
from ..base.sandbox_rule import NO_SANDBOX, require_sandbox
from ..base.snapshot import SnapshotError, Snapshots
from ..grading.grading_report import write_report
from ..grading.shown_verdict import HIDDEN_RAN, has_verdict_mark, show_verdict
from ..grading.verdict import (
    HIDDEN_BEGIN,
    SubmissionVerdict,
    course_secret,
    grade_submission,
    reference_worker,
    submission_seed,
)
from .gradebook import record, set_aside
from .untrusted_outputs import BoundedOutputs, is_test_cell


@dataclass
class Grading:
    """How submissions are graded in this process, and the verdicts so far.

    Plain nbgrader gets the defaults (sandbox required, the standard limits, a reference worker for
    each submission); ``deepgrad autograde`` makes its own for each run, one reference worker for all."""

    limits: Limits = field(default_factory=Limits)
    sandboxed: bool = True
    snapshots: dict[str, Path | SnapshotError] | None = None   # student -> taken by the caller
    references: dict[Path, WorkerCaller] = field(default_factory=dict)
    versions: dict[Path, tuple[int, int]] = field(default_factory=dict)  # of each reference's notebook
    verdicts: dict[tuple[str, str], SubmissionVerdict] = field(default_factory=dict)
    recorded: set[tuple[str, str]] = field(default_factory=set)  # verdicts whose scores are in the gradebook
    report: bool = True                                         # merge each verdict into the report
    # `deepgrad autograde --jobs`: what its jobs did before nbgrader's pass (deepgrad.runs.jobs)
    judged: dict[tuple[str, str], SubmissionVerdict] = field(default_factory=dict)
    executed: dict[tuple[str, str], "Executed"] = field(default_factory=dict)

    def reference(self, source: Path) -> WorkerCaller:
        """The source notebook's reference worker; a new one once the notebook changed (a run
        never grades against a stale reference)."""
        stat = source.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        kept = self.references.get(source)
        if kept is not None and self.versions.get(source) != version:
            kept.close()
            kept = None
        if kept is None:
            kept = self.references[source] = reference_worker(source, self.limits, self.sandboxed)
            self.versions[source] = version
        return kept

    def close(self) -> None:
        for worker in self.references.values():
            worker.close()
        self.references.clear()
        self.versions.clear()

    def judge(self, root: Path, source: Path, student: str, assignment: str,
              secret: bytes | None = None) -> SubmissionVerdict:
        """The submission's verdict, written nowhere (``secret``: the course's, where ``root`` is
        not the course). Nothing that goes wrong is raised: it is the verdict; only where no
        sandbox can be made it refuses, for every submission alike."""
        require_sandbox(self.sandboxed)
        secret = course_secret(root) if secret is None else secret
        try:
            verdict = self._verdict(root, source, student, assignment, secret)
        except Exception as exc:  # noqa: BLE001 -- a grader bug or an unforeseen submission: this one only
            verdict = SubmissionVerdict(student, assignment, status="broken",
                                        seed=submission_seed(student, assignment, secret),
                                        reason=f"grading failed inside the grader ({exception_summary(exc)}): "
                                               "check this submission by hand")
        if not self.sandboxed:
            verdict.sandbox = NO_SANDBOX
        return verdict

    def grade(self, root: Path, source: Path, student: str, assignment: str, db_url: str) -> SubmissionVerdict:
        """The submission's verdict (:meth:`judge`, or the one a job of this run judged), its scores
        in the gradebook (or nbgrader's set aside when it is broken) and its rows in the report.
        Nothing that goes wrong is raised: it is the verdict."""
        verdict = self.judged.pop((assignment, student), None)
        if verdict is None:
            verdict = self.judge(root, source, student, assignment)
        try:
            (record if verdict.tasks else set_aside)(db_url, verdict)
            if verdict.tasks:
                self.recorded.add((assignment, student))
        except Exception as exc:  # noqa: BLE001 -- the reason must still reach the report
            verdict.status = "broken"
            verdict.reason = (f"the verdict could not be written to the gradebook ({exception_summary(exc)}); "
                              "nbgrader's own scores may stand there: check them by hand")
        self.verdicts[(assignment, student)] = verdict
        if self.report:
            write_report([verdict], report_path(root, assignment))
        return verdict

    def _verdict(self, root: Path, source: Path, student: str, assignment: str, secret: bytes) -> SubmissionVerdict:
        snapshot = (self.snapshots or {}).get(student)
        if snapshot is None:
            with Snapshots(root, assignment) as own:
                try:
                    taken = own.take(student)
                except SnapshotError as refused:
                    return _refused(student, assignment, secret, refused)
                return self._verdict_of(source, taken, student, assignment, secret)
        if isinstance(snapshot, SnapshotError):
            return _refused(student, assignment, secret, snapshot)
        return self._verdict_of(source, snapshot, student, assignment, secret)

    def _verdict_of(self, source: Path, snapshot: Path, student: str, assignment: str,
                    secret: bytes) -> SubmissionVerdict:
        verdict = grade_submission(source, snapshot, student, assignment, secret=secret, limits=self.limits,
                                   sandboxed=self.sandboxed, reference=self.reference(source))
        verdict.snapshot = snapshot.read_bytes()
        return verdict


def _refused(student: str, assignment: str, secret: bytes, refused: SnapshotError) -> SubmissionVerdict:
    return SubmissionVerdict(student, assignment, status="broken", reason=str(refused),
                             seed=submission_seed(student, assignment, secret))


def report_path(root: Path, assignment: str) -> Path:
    return Path(root) / f"grading_report_{assignment}.csv"


_default = Grading()  # plain nbgrader's: its workers are closed after each submission
_current: Grading | None = None


def current() -> Grading:
    return _current or _default


def in_run() -> bool:
    """Is a :func:`grading_run` under way (so its settings and workers serve this grading)?"""
    return _current is not None


@contextmanager
def grading_run(grading: Grading):
    """Grade with ``grading`` while inside (``deepgrad autograde``'s run); its workers are the caller's."""
    global _current
    before, _current = _current, grading
    try:
        yield grading
    finally:
        _current = before


def _course(pp) -> tuple[Path, Path]:
    """The course root and the source notebook of the assignment being converted."""
    coursedir = CourseDirectory(config=pp.config)
    return Path(coursedir.root).resolve(), Path(coursedir.root).resolve() / coursedir.source_directory


_warned: set[Path] = set()


class GradingRefused(Exception):
    """Raised into nbgrader for a submission it must not go on with (its notebook was refused)."""


class TrustedVerdict(NbGraderPreprocessor):
    """First sanitizing step of ``nbgrader autograde``: snapshot, verdict, scores (see the module)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, student = info["assignment"], info["student"]
        root, sources = _course(self)
        source = sources / assignment / f"{info['notebook']}.ipynb"
        if info["notebook"] != assignment or not source.is_file():
            raise CourseError(f"deepgrad grades one notebook per assignment, named as its folder: "
                              f"{source} is not a source notebook of this course")
        if root not in _warned:  # once per course and process, as `deepgrad autograde` does
            _warned.add(root)
            if exposed := warning(root):
                self.log.warning(exposed)
        grading = current()
        try:
            verdict = grading.grade(root, source, student, assignment, info["db_url"])
        finally:
            if not in_run():  # plain nbgrader (command line, formgrader): no worker outlives this grading
                grading.close()
        graded, verdict.snapshot = verdict.snapshot, None
        if graded is None:  # refused or unreadable: nbgrader must not read it its own way
            raise GradingRefused(f"{student}/{assignment}: not run by nbgrader: {verdict.reason}")
        # nbgrader goes on with exactly the notebook the verdict graded, not its own earlier read,
        # its metadata made valid (a student's duplicate tags would stop nbgrader's whole pass)
        nb = nbformat.reads(graded.decode("utf-8"), as_version=4)
        make_valid(nb)
        return nbformat.from_dict(nb), resources


class RecordVerdict(NbGraderPreprocessor):
    """After ``SaveAutoGrades``: the verdict's scores over the in-kernel ones, its messages in the
    test cells."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        verdict = current().verdicts.get((info["assignment"], info["student"]))
        if verdict is None:
            raise CourseError("no deepgrad verdict for this submission: nbgrader_config.py must list "
                              "deepgrad.adapters.preprocessors.TrustedVerdict first in "
                              "c.Autograde.sanitize_preprocessors")
        # No task scored (grading broke): nbgrader's scores of the cells it just saved must not stand.
        (record if verdict.tasks else set_aside)(info["db_url"], verdict)
        root, _ = _course(self)
        show_verdict(nb, verdict, course_secret(root))
        return nbformat.from_dict(nb), resources  # the new outputs as nbformat's nodes too


class ExecuteWithoutTests(BoundedOutputs, Execute):
    """nbgrader's ``Execute`` without the test cells. The verdict alone scores them and writes what
    they show (:class:`RecordVerdict`; :class:`VerdictOnlyFeedback` drops any other output), so
    running them beside student code would only spend time and give a hostile submission more
    calls to hang or crash in. Every other cell runs as nbgrader runs it, its outputs made safe and
    cut as they arrive (:class:`~deepgrad.adapters.untrusted_outputs.BoundedOutputs`)."""

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


# Cells of the course's notebooks tagged this way (experiments, slow figures: no score depends on
# them) are not run when nbgrader grades: nbgrader_config.py sets it as nbclient's
# ``c.Execute.skip_cells_with_tag``, nbgrader's documented way to leave slow cells out of grading.
SKIP_WHEN_GRADING = "skip-when-grading"
SKIPPED_NOTE = N_("Not run when grading: this cell is tagged \"skip-when-grading\" (an experiment or a figure; no "
                  "score depends on it). Run it in your own notebook to see its output.\n")


def skipped_when_grading(cell) -> bool:
    """Did nbgrader's Execute leave this cell out (tagged, and it has not run)?"""
    tags = cell.get("metadata", {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
    return (cell_type(cell) == "code" and isinstance(tags, list) and SKIP_WHEN_GRADING in tags
            and not cell.get("outputs") and cell.get("execution_count") is None)


class NoteSkippedCells(NbGraderPreprocessor):
    """After nbgrader's ``Execute``: a cell it left out (:data:`SKIP_WHEN_GRADING`) says so in the
    autograded notebook and the feedback, instead of showing no output at all."""

    def preprocess(self, nb, resources):
        note = phrase_in(SKIPPED_NOTE, nb)
        for cell in nb.cells:
            if skipped_when_grading(cell):
                cell["outputs"] = [nbformat.v4.new_output("stream", name="stdout", text=note)]
        return nb, resources


def phrase_in(constant: str, nb) -> str:
    """``constant`` in the language of the notebook's edition (its metadata is the student's: only a
    language of the course's is taken, else English)."""
    with speaking_as(nb):
        return phrase(constant)


NOT_SHOWN = N_("This check's result is not shown: the notebook was not graded by deepgrad's verdict. Ask your "
               "instructor.\n")


class VerdictOnlyFeedback(NbGraderPreprocessor):
    """In ``nbgrader generate_feedback``: a test cell keeps its outputs only if the verdict wrote
    them; its source never keeps a hidden block."""

    def preprocess(self, nb, resources):
        root, _ = _course(self)
        secret = course_secret(root)
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            source = cell.get("source") if isinstance(cell.get("source"), str) else ""
            if HIDDEN_BEGIN in source:
                cell["source"] = source.split(HIDDEN_BEGIN)[0].rstrip() + "\n# " + phrase_in(HIDDEN_RAN, nb)
            if not has_verdict_mark(json.loads(json.dumps(cell)), secret):
                cell.outputs = [{"output_type": "stream", "name": "stdout", "text": phrase_in(NOT_SHOWN, nb)}]
        return nbformat.from_dict(nb), resources


@dataclass(frozen=True)
class Executed:
    """nbgrader's run of one notebook, done by a job of ``deepgrad autograde --jobs``
    (:mod:`deepgrad.runs.jobs`)."""

    ran: str            # fingerprint of the notebook the kernel was given (:func:`fingerprint`)
    notebook: str       # the executed notebook, JSON; "" when the run failed
    problem: str = ""   # why it failed
    stopped: bool = False  # the notebook cap stopped it


def fingerprint(nb) -> str:
    return hashlib.sha256(nbformat.writes(nb).encode("utf-8")).hexdigest()


class ExecutionFailed(Exception):
    """A job's run of the notebook failed; raised where nbgrader's own Execute would have."""


class ExecutedElsewhere(ExecuteWithoutTests):
    """nbgrader's ``Execute`` (without the test cells) in the pass ``deepgrad autograde --jobs``
    gives a submission after its job: the job's run of this very notebook (same fingerprint), else
    a run here, as ever."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        done = current().executed.get((info["assignment"], info["student"]))
        if done is None or done.ran != fingerprint(nb):
            self.log.warning("deepgrad: running %s/%s here: its job ran another notebook",
                             info["student"], info["assignment"])
            return super().preprocess(nb, resources)
        if done.problem:
            raise ExecutionFailed(done.problem)
        return nbformat.reads(done.notebook, as_version=4), resources
