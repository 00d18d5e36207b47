"""``deepgrad autograde ASSIGNMENT``: nbgrader's autograde of every submission, one run.

Each pass is nbgrader's own with deepgrad's preprocessors (:mod:`deepgrad.adapters.preprocessors`, as for
`nbgrader autograde` and the formgrader): the verdict (:mod:`deepgrad.grading.verdict`) decides the scores
outside student code, and nbgrader runs the notebook for the autograded copy and its feedback. This
run adds what one pass cannot: every submission read once into a private snapshot
(:mod:`deepgrad.base.snapshot`) before any of them runs, one reference worker for all, a verdict for
a submission nbgrader could not start on, and the report. A submission whose grading broke is
marked ``broken`` with its reason, never a silent 0, and nbgrader's in-kernel scores for it do not
stand; nothing that goes wrong with one stops the others.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from autograder.messages import say, speaking_as
from autograder.notebook import cell_type
from autograder.registry import exception_summary
from autograder.sandbox import Limits

from ..adapters.gradebook import set_aside
from ..adapters.nbgrader_api import Nbgrader
from ..adapters.preprocessors import Grading, grading_run, report_path
from ..adapters.untrusted_outputs import make_inert
from ..base.course_files import notebook
from ..base.errors import CourseError
from ..base.safe_text import ID_CHARS, terminal_text
from ..base.sandbox_rule import NO_SANDBOX, require_sandbox
from ..base.snapshot import SnapshotError, Snapshots
from ..grading.grading_report import write_report
from ..grading.shown_verdict import rewrite_for_feedback
from ..grading.verdict import SubmissionVerdict, course_secret, submission_seed
from .jobs import dask_cluster, job_pool, killed_workers, make_job

SAID_CHARS = 2000  # a line of the grader's own (_say): an exception's summary fits whole
def submitted_students(course: Path, assignment: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir()) if folder.is_dir() else []


def autograde(course: Path, assignment: str, students: list[str] | None = None,
              grader: Nbgrader | None = None, limits: Limits = Limits(),
              sandboxed: bool = True, report: Path | None = None, jobs: int = 1,
              progress: bool = False, pool=None, scheduler: str | None = None,
              started: dict | None = None) -> list[SubmissionVerdict]:
    """Grade every submission (or ``students``); with ``report``, write the grading report there
    whatever happens, also when the run itself is stopped part way (other students' rows kept).

    Each submission goes through nbgrader's autograde, which runs deepgrad's verdict from the
    course's nbgrader_config.py (:mod:`deepgrad.adapters.preprocessors`), exactly as `nbgrader autograde`
    and the formgrader do; this run adds one reference worker for all, snapshots taken before any
    submission runs, and a verdict for those nbgrader could not start on. With ``jobs`` > 1 the
    verdicts and nbgrader's runs of the notebooks are made side by side (:mod:`deepgrad.runs.jobs`);
    this process alone writes the gradebook, the feedback notebooks and the report, and the
    results are those of a serial run; ``pool`` (:func:`deepgrad.runs.jobs.job_pool`) lends its job
    processes to several runs. With ``scheduler`` (a Dask scheduler's address) the jobs go to
    that cluster's workers instead. ``progress``: a progress bar on stderr. ``started``: jobs
    :func:`start_jobs` already gave ``pool`` (a job stands only if its snapshot is the one taken
    here; any other submission gets its job now).

    No submission can stop another: whatever goes wrong while one is graded ends as that
    submission's ``broken`` verdict, and the next one is graded."""
    source = notebook(course, "solutions", assignment)
    if not source.is_file():
        raise CourseError(f"no source notebook {source}")
    require_sandbox(sandboxed)
    grader = grader or Nbgrader(course)
    names = list(dict.fromkeys(students or submitted_students(course, assignment)))
    done: dict[str, SubmissionVerdict] = {}
    # The secret exists before anything runs student code: it is one of the course's private files.
    secret = course_secret(course)
    with Snapshots(course, assignment) as snapshots, _progress_bar(assignment, len(names), progress) as bar:
        # Every notebook is copied before the first one runs: no student code (nbgrader's kernel)
        # can change what any submission is graded from.
        taken = {student: _take(snapshots, student) for student in names}
        grading = Grading(limits=limits, sandboxed=sandboxed, snapshots=taken, report=False)
        run = _Run(course, assignment, source, grader, sandboxed, secret, grading)
        in_progress: list[str] = []

        def graded(student: str) -> SubmissionVerdict:
            in_progress[:] = [student]
            verdict = done[student] = _grade_one(run, student, taken[student])
            in_progress.clear()
            bar.update(1)
            broken = sum(v.status == "broken" for v in done.values())
            if broken:
                bar.set_postfix_str(f"{broken} broken", refresh=False)
            return verdict

        try:
            with grading_run(grading):
                if pool is not None:
                    _side_by_side(run, names, taken, pool, graded, started or {})
                elif scheduler:
                    with dask_cluster(scheduler) as cluster:
                        _side_by_side(run, names, taken, cluster, graded)
                elif jobs > 1 and len(names) > 1:
                    with job_pool(min(jobs, len(names))) as own:
                        _side_by_side(run, names, taken, own, graded)
                else:
                    for student in names:
                        graded(student)
        finally:
            grading.close()
            left = [s for s in names if s not in done]
            left.sort(key=lambda s: s not in in_progress)  # the one under way first: its entries set aside
            done.update((v.student, v) for v in _not_reached(run, left, set_aside_first=bool(in_progress)))
            verdicts = [done[s] for s in names]
            if report is not None:
                write_report(verdicts, report)
    return verdicts


def _progress_bar(assignment: str, total: int, shown: bool):
    return tqdm(total=total, desc=f"grading {assignment}", unit=" submissions", disable=not shown,
                file=sys.stderr, leave=True, dynamic_ncols=True)


def _side_by_side(run: "_Run", names: list[str], taken: dict, pool, graded, started: dict | None = None) -> None:
    """Each submission's verdict and nbgrader's run of its notebook in a job (:mod:`deepgrad.runs.jobs`),
    then, here and as each job ends, nbgrader's pass over it with what the job did. A job that
    cannot be done leaves its submission to be graded here as in a serial run (said once, with
    why); one whose grading killed Dask worker after worker ends ``broken``."""
    futures, here = {}, []
    for student in names:
        early = (started or {}).get(student)
        if early is not None and not isinstance(taken[student], SnapshotError) \
                and early.made_for(run, taken[student].read_bytes()):
            futures[early.future] = student
            continue
        if early is not None:
            early.future.cancel()  # made of a notebook that has changed since: not this one's job
        try:
            job = None if isinstance(taken[student], SnapshotError) else make_job(
                run.grader, run.source, run.secret, run.grading.limits, run.sandboxed, student, run.assignment,
                taken[student])
            if job is not None:
                futures[pool.submit(job)] = student
                continue
        except Exception:  # noqa: BLE001 -- e.g. a job process died: the pool takes no more
            pass
        here.append(student)  # refused, nbgrader's sanitizing fails on it, or no job could be had
    for student in here:
        graded(student)
    said = False
    for future in pool.completed(futures):
        student, key = futures[future], (run.assignment, futures[future])
        try:
            judged = future.result()
        except Exception as exc:  # noqa: BLE001 -- the job was not done: graded here as a serial run does
            if killed_workers(exc):
                run.grading.judged[key] = run.broken(student, killed_workers(exc))
            elif not said:
                said = True
                _say(f"deepgrad autograde: a {pool.where} could not grade {terminal_text(student, ID_CHARS)} "
                     f"({exception_summary(exc)}); "
                     "such submissions are graded by this process instead")
        else:
            judged.verdict.snapshot = taken[student].read_bytes() if judged.graded else None
            run.grading.judged[key] = judged.verdict
            if judged.executed is not None:
                run.grading.executed[key] = judged.executed
        try:
            graded(student)
        finally:
            run.grading.judged.pop(key, None)
            run.grading.executed.pop(key, None)


@dataclass(frozen=True)
class Started:
    """A submission's job, given to a pool before its ``autograde`` run (:func:`start_jobs`)."""

    snapshot: bytes       # what the job grades: the run takes it only if its own snapshot is the same
    limits: Limits
    sandboxed: bool
    future: object

    def made_for(self, run: "_Run", snapshot: bytes) -> bool:
        """Is this the job the run would make: the same snapshot, limits and sandbox?"""
        return (self.snapshot, self.limits, self.sandboxed) == (snapshot, run.grading.limits, run.sandboxed)


def start_jobs(course: Path, assignment: str, students: list[str], pool, grader: Nbgrader,
               limits: Limits = Limits(), sandboxed: bool = True) -> dict[str, Started]:
    """Give ``pool`` (:func:`deepgrad.runs.jobs.job_pool`) the jobs of these submissions now, so that its
    processes grade them while this one does other work (the demo releases the next assignment);
    ``autograde(..., pool=pool, started=...)`` takes them up later. The assignment must be released
    (nbgrader's sanitizing reads its gradebook entries). A submission whose job cannot be made here
    gets none: the run makes or grades it as usual."""
    require_sandbox(sandboxed)
    source, secret, jobs = notebook(course, "solutions", assignment), course_secret(course), {}
    with Snapshots(course, assignment) as snapshots:
        for student in students:
            try:
                snapshot = snapshots.take(student)
                job = make_job(grader, source, secret, limits, sandboxed, student, assignment, snapshot)
                if job is not None:
                    jobs[student] = Started(job.snapshot, limits, sandboxed, pool.submit(job))
            except Exception:  # noqa: BLE001 -- refused or unreadable: its autograde run says why
                continue
    return jobs


def _say(message: str) -> None:
    """A line on stderr, its control characters shown as escapes (it may quote an error); the
    student id in it is cut by the caller (:data:`~deepgrad.base.safe_text.ID_CHARS`), the rest is the
    grader's own words and kept whole."""
    tqdm.write(terminal_text(message, SAID_CHARS), file=sys.stderr)


@dataclass(frozen=True)
class _Run:
    """What every submission of one ``autograde`` run is graded with."""

    course: Path
    assignment: str
    source: Path
    grader: Nbgrader
    sandboxed: bool
    secret: bytes
    grading: Grading            # the verdict's settings, one reference worker for the whole run

    def broken(self, student: str, reason: str) -> SubmissionVerdict:
        return SubmissionVerdict(student, self.assignment, status="broken", reason=reason,
                                 seed=submission_seed(student, self.assignment, self.secret))


def _take(snapshots: Snapshots, student: str) -> Path | SnapshotError:
    """The student's snapshot, or why there is none (kept for its verdict: one refusal stops nothing)."""
    try:
        return snapshots.take(student)
    except SnapshotError as refused:
        return refused
    except Exception as exc:  # noqa: BLE001 -- e.g. a folder the grader may not read
        return SnapshotError(f"the grader could not copy submitted/{student}/{snapshots.assignment} "
                             f"({exception_summary(exc)}): check its files and permissions")


def _grade_one(run: _Run, student: str, snapshot: Path | SnapshotError) -> SubmissionVerdict:
    """One submission's verdict, recorded; a broken one never leaves nbgrader's scores standing."""
    recorded = False
    try:
        verdict, recorded = _grade_and_record(run, student, snapshot)
    except Exception as exc:  # noqa: BLE001 -- a grader bug or an unforeseen submission: this one only
        verdict = run.broken(student, f"grading failed inside the grader ({exception_summary(exc)}): "
                                      "check this submission by hand")
    if verdict.status == "broken" and not recorded:
        _set_aside_or_say(run, verdict)
    if not run.sandboxed:
        verdict.sandbox = NO_SANDBOX
    return verdict


def _grade_and_record(run: _Run, student: str, snapshot: Path | SnapshotError) -> tuple[SubmissionVerdict, bool]:
    """The verdict, and whether its scores are in the gradebook."""
    if isinstance(snapshot, SnapshotError):  # nbgrader's pass is not run: it would follow the link,
        return run.broken(student, str(snapshot)), False  # wait on the FIFO, parse the junk
    nbgrader_problem = _nbgrader_pass(run, student)
    verdict = run.grading.verdicts.get((run.assignment, student))
    if verdict is None:  # nbgrader stopped before its first sanitizing step: the same grading, here
        verdict = run.grading.grade(run.course, run.source, student, run.assignment, run.grader.db_url)
    if (run.assignment, student) not in run.grading.recorded:
        if nbgrader_problem and verdict.tasks:  # graded, yet not recorded: nbgrader's failure may be why
            verdict.reason += f" (nbgrader: {nbgrader_problem})"
        return verdict, False
    # graded, review, or stopped by the time cap part way: its scores are honest and recorded
    autograded = notebook(run.course, f"autograded/{student}", run.assignment)
    if not autograded.is_file():  # nbgrader gave up on it: feedback still needs one
        write_unexecuted(snapshot, autograded, nbgrader_problem.rstrip(":") or "nbgrader wrote no autograded notebook")
        rewrite_for_feedback(autograded, verdict, run.secret)
    return verdict, True


def _nbgrader_pass(run: _Run, student: str) -> str:
    """nbgrader's autograde of one submission; "" or what went wrong (the verdict decides anyway)."""
    executed = run.grading.executed.get((run.assignment, student))
    try:
        run.grader.autograde(run.assignment, student, run.sandboxed, stopped=bool(executed and executed.stopped))
    except CourseError as exc:
        return str(exc).splitlines()[0]
    except Exception as exc:  # noqa: BLE001 -- nbgrader's own failure on an odd notebook
        return f"nbgrader failed ({exception_summary(exc)})"
    return ""


def _not_reached(run: _Run, students: list[str], set_aside_first: bool = True) -> list[SubmissionVerdict]:
    """Broken verdicts for the students a stopped run (Ctrl-C) did not finish; the first may have
    been in progress, so nbgrader may already have recorded its in-kernel scores: they are set aside."""
    verdicts = [run.broken(s, "not graded: the grading run was stopped before this submission was "
                              "done; run `deepgrad autograde` for it again") for s in students]
    for verdict in verdicts[:1] if set_aside_first else []:
        _set_aside_or_say(run, verdict)
    return verdicts


def _set_aside_or_say(run: _Run, verdict: SubmissionVerdict) -> None:
    try:
        set_aside(run.grader.db_url, verdict)
    except Exception as exc:  # noqa: BLE001 -- the reason must still reach the report
        verdict.reason += (f"; its gradebook entries could not be set aside ({exception_summary(exc)}): "
                           "nbgrader's own scores may stand there, check them by hand")


def write_unexecuted(submitted: Path, autograded: Path, why: str) -> None:
    """The autograded notebook nbgrader did not write: the submission as handed in, outputs
    cleared (nothing of it ran to the end), with a note saying why. The verdict's messages are
    added to its test cells afterwards, as for every autograded notebook."""
    nb = json.loads(submitted.read_text(encoding="utf-8"))  # the snapshot: an object with a list of cells
    for cell in nb["cells"]:
        if cell_type(cell) == "code":
            cell["outputs"], cell["execution_count"] = [], None
    with speaking_as(nb):
        note = say("**Note from the grader:** nbgrader could not run this notebook to the end ({why}), so it shows "
                   "no outputs. Your scores do not depend on that run: every check ran on your functions separately, "
                   "and its results are in the test cells below.", why=why)
    cell = {"cell_type": "markdown", "metadata": {}, "source": note}
    if _has_cell_ids(nb):
        cell["id"] = "deepgrad-unexecuted"
    nb["cells"].insert(0, cell)
    nb = nbformat.from_dict(nb)
    with speaking_as(nb):
        make_inert(nb)  # what the formgrader and the feedback show of it: as inert as any autograded notebook
    autograded.parent.mkdir(parents=True, exist_ok=True)
    autograded.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _has_cell_ids(nb: dict) -> bool:
    """Cell ids exist from nbformat 4.5 on; junk in the version fields counts as older."""
    major, minor = nb.get("nbformat"), nb.get("nbformat_minor", 0)
    whole = all(type(v) is int for v in (major, minor))
    return whole and (major, minor) >= (4, 5)


def autograde_and_report(course: Path, assignment: str, **kwargs) -> tuple[list[SubmissionVerdict], Path]:
    """:func:`autograde`, its report written to :func:`report_path` (also if the run stops part way)."""
    report = report_path(course, assignment)
    return autograde(course, assignment, report=report, **kwargs), report
