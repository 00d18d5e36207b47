"""Grading side by side: ``deepgrad autograde --jobs N`` on this machine, ``--scheduler ADDRESS``
on the workers of a Dask cluster.

The heavy half of grading a submission is a **job**: its verdict (sandboxed workers, the
reference's own worker) and nbgrader's run of its notebook in the sandboxed kernel. A job is a
plain value (:class:`Job`: the snapshot, the source notebook, the notebook nbgrader's sanitizing
steps made of the snapshot, the limits), judged by :func:`judge` wherever it runs, with nothing
of the course but the installed package: no gradebook, no course folder. The run's coordinator
makes the jobs (sanitizing reads the gradebook), and as each job ends gives its submission
nbgrader's ordinary autograde pass, in which :class:`~deepgrad.adapters.preprocessors.TrustedVerdict`
takes the job's verdict and :class:`~deepgrad.adapters.preprocessors.ExecutedElsewhere` the job's
outputs, provided the job ran the very notebook that pass has (else the pass runs it itself).
So one process writes the gradebook, the feedback and the report, and a run with jobs gives what
a serial run gives.

Jobs run trusted code only (student code runs in the sandboxes they start). A job that cannot be
done (its process killed, a Dask worker without a sandbox refusing it) leaves its submission to
the coordinator, which grades it as a serial run does; a submission whose grading kills Dask
workers again and again ends ``broken`` with that reason.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.util
import os
import shutil
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as completed_futures
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute
from nbgrader.utils import setenv
from traitlets.config import Config

from autograder.registry import exception_summary
from autograder.sandbox import PACKAGE_ROOT, Limits

from ..adapters.gradebook import engines_shared
from ..adapters.kernel import SandboxedKernelManager, capped_kernels
from ..adapters.nbgrader_api import autograde_steps
from ..adapters.preprocessors import Executed, Grading, TrustedVerdict, fingerprint, grading_run
from ..base.errors import CourseError
from ..grading.verdict import SubmissionVerdict
from .job_server import job_context, stop_server


@dataclass(frozen=True)
class Job:
    """Everything one submission's job needs, as plain values."""

    student: str
    assignment: str
    snapshot: bytes         # the submitted notebook as the grader read it once
    source: bytes           # the source notebook (checks, hidden inputs, the reference solution)
    sanitized: str          # nbgrader's sanitizing steps' notebook: what its kernel is to run
    secret: bytes           # the course's, for the hidden inputs' seed
    limits: Limits
    sandboxed: bool
    notebook_seconds: float
    execute: object         # the course configuration's Execute section (a traitlets Config)
    execute_class: type     # nbgrader's Execute, or the course's subclass of it
    toolkit: str            # the coordinator's toolkit_version(): a worker must have the same


@dataclass
class Judged:
    """What a job sends back: the verdict (without the snapshot, which the coordinator has) and
    nbgrader's run of the notebook."""

    verdict: SubmissionVerdict
    graded: bool              # the verdict read the snapshot (else nbgrader must not run it)
    executed: Executed | None


# ----------------------------------------------------------------- the coordinator's side
def make_job(grader, source: Path, secret: bytes, limits: Limits, sandboxed: bool, student: str,
             assignment: str, snapshot: Path) -> Job | None:
    """The job of one submission, or None when nbgrader's own sanitizing fails on it (the
    coordinator then grades it as a serial run does, and nbgrader's pass fails the same way)."""
    config = grader.api.config
    taken = snapshot.read_bytes()
    resources = {"unique_key": assignment, "output_files_dir": f"{assignment}_files",
                 "nbgrader": {"student": student, "assignment": assignment, "notebook": assignment,
                              "db_url": grader.db_url}}
    try:
        nb = nbformat.reads(taken.decode("utf-8"), as_version=4)
        with engines_shared():  # (OverwriteCells reads the gradebook)
            for step in autograde_steps(config, "sanitize_preprocessors"):
                if not (isinstance(step, type) and issubclass(step, TrustedVerdict)):  # the job's verdict is that
                    nb, resources = (step(config=config) if isinstance(step, type) else step).preprocess(nb, resources)
        sanitized = nbformat.writes(nb)
    except Exception:  # noqa: BLE001 -- nbgrader's pass fails on it the same way, and says so
        return None
    execute = next(s for s in autograde_steps(config, "autograde_preprocessors")
                   if isinstance(s, type) and issubclass(s, Execute))
    return Job(student, assignment, taken, source.read_bytes(), sanitized, secret, limits, sandboxed,
               grader.notebook_seconds, config.Execute, execute, toolkit_version())


def toolkit_version() -> str:
    """A fingerprint of the installed checks and toolkit (``autograder/``, ``dlkit/``): a worker
    whose copy differs would grade by other checks, so it refuses the job."""
    if "toolkit" not in _process:
        digest = hashlib.sha256()
        for package in ("autograder", "dlkit"):
            for path in sorted((PACKAGE_ROOT / package).rglob("*.py")):
                digest.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0" + path.read_bytes())
        _process["toolkit"] = digest.hexdigest()
    return _process["toolkit"]


class LocalJobs:
    """Job processes on this machine (``--jobs N``)."""

    where = "job process"

    def __init__(self, executor):
        self.executor = executor

    def submit(self, job: Job):
        return self.executor.submit(judge, job)

    def completed(self, futures):
        return completed_futures(futures)


class DaskJobs:
    """The workers of a Dask cluster (``--scheduler ADDRESS``)."""

    where = "Dask worker"

    def __init__(self, client):
        self.client = client

    def submit(self, job: Job):
        # pure=False: two runs of one submission are two jobs, never a cached result
        return self.client.submit(judge, job, pure=False, key=f"deepgrad-{job.assignment}-{job.student}-"
                                  + hashlib.sha256(os.urandom(16)).hexdigest()[:12])

    def completed(self, futures):
        from distributed import as_completed  # the optional extra: imported where it is used

        return as_completed(list(futures), loop=self.client.loop)  # this client's, not a global one


def killed_workers(error: BaseException) -> str:
    """Why a submission is broken if Dask gave up on its job because every worker that ran it
    died (its ``KilledWorker``); "" for any other failure."""
    if type(error).__name__ != "KilledWorker":
        return ""
    tries = getattr(error, "allowed_failures", None)
    last = getattr(getattr(error, "last_worker", None), "address", None)
    said = f"{tries + 1} Dask workers" if isinstance(tries, int) else "every Dask worker that took it"
    return (f"its grading ended {said}, one after another{f' (the last: {last})' if last else ''}: "
            "check this submission by hand")


@contextmanager
def job_pool(jobs: int):
    """``jobs`` job processes while inside; none is left after. They are forked from a server
    process started once with the grader's modules imported (:mod:`deepgrad.runs.job_server`, which may
    have started it already); it is stopped on leaving too, so nothing outlives the grading."""
    context = job_context()
    executor = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_process,
                                   initargs=(dict(os.environ),))
    # Start every process now (the pool starts one per task given while none is idle), from a
    # thread of its own: the first start waits for the fork server to import the grader's modules,
    # and meanwhile this process goes on with its own work (a release, sanitizing).
    threading.Thread(target=lambda: [executor.submit(toolkit_version) for _ in range(jobs)],
                     name="deepgrad-job-processes", daemon=True).start()
    try:
        yield LocalJobs(executor)
    except BaseException:
        for process in list((getattr(executor, "_processes", None) or {}).values()):  # Ctrl-C: no job goes on
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        executor.shutdown(wait=True)
        stop_server()


@contextmanager
def dask_cluster(address: str):
    """The Dask cluster whose scheduler is at ``address``, while inside."""
    try:  # an optional extra (pip install -e ".[dask]"): imported where it is used
        from distributed import Client
    except ImportError:
        raise CourseError("grading on a Dask cluster needs Dask's distributed package: "
                          "pip install -e \".[dask]\" in the course folder") from None
    try:
        client = Client(address, timeout=30, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 -- e.g. no scheduler listening there
        raise CourseError(f"no Dask scheduler could be reached at {address} ({exception_summary(exc)}): "
                          "start one (`dask scheduler`) or check the address") from None
    try:
        yield DaskJobs(client)
    finally:
        client.close()


# ----------------------------------------------------------------- a job, wherever it runs
_process: dict = {}  # this process's Gradings (one per limits and sandbox) and its folder


def _start_process(environment: dict[str, str]) -> None:
    """Each job process starts with the coordinator's environment (a forkserver's would be older)."""
    os.environ.clear()
    os.environ.update(environment)


def _close() -> None:
    for grading in _process.pop("gradings", {}).values():
        grading.close()  # its reference workers
    folder = _process.pop("folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _grading(limits: Limits, sandboxed: bool) -> Grading:
    gradings = _process.setdefault("gradings", {})
    key = (limits, sandboxed)
    if key not in gradings:
        gradings[key] = Grading(limits=limits, sandboxed=sandboxed, report=False)
    return gradings[key]


def _place(source: bytes, assignment: str) -> Path:
    """A private folder laid out as a course for this source notebook, the same for every job
    of it that this process runs (so its reference worker serves them all)."""
    if "folder" not in _process:
        _process["folder"] = Path(tempfile.mkdtemp(prefix="deepgrad-jobs-"))
        multiprocessing.util.Finalize(None, _close, exitpriority=10)
    place = _process["folder"] / hashlib.sha256(source).hexdigest()[:16]
    notebook = place / "solutions" / assignment / f"{assignment}.ipynb"
    if not notebook.is_file():
        notebook.parent.mkdir(parents=True, exist_ok=True)
        notebook.write_bytes(source)
        # a course marker: the kernel's sandbox hides the whole folder (deepgrad.adapters.kernel)
        (place / "nbgrader_config.py").write_text("# deepgrad job: a copy of one source notebook\n")
    return place


def judge(job: Job) -> Judged:
    """One submission's verdict and nbgrader's run of its notebook. Refuses (raises) where no
    sandbox can be made and the job asks for one, and where the course's checks differ from the
    coordinator's. One job at a time per process (a Dask worker may run tasks in several threads;
    the grading run and the kernel's cap are the process's)."""
    with _one_at_a_time:
        return _judge(job)


_one_at_a_time = threading.Lock()


def _judge(job: Job) -> Judged:
    if job.toolkit != toolkit_version():
        raise CourseError("this worker's course package (autograder/, dlkit/) differs from the one grading "
                          "started from: install the same version of the course on every worker")
    place = _place(job.source, job.assignment)
    source = place / "solutions" / job.assignment / f"{job.assignment}.ipynb"
    snapshot = place / "snapshots" / job.student / f"{job.assignment}.ipynb"
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    snapshot.write_bytes(job.snapshot)
    grading = _grading(job.limits, job.sandboxed)
    grading.snapshots = {job.student: snapshot}
    try:
        with grading_run(grading):
            verdict = grading.judge(place, source, job.student, job.assignment, secret=job.secret)
    finally:
        shutil.rmtree(snapshot.parent, ignore_errors=True)
    graded, verdict.snapshot = verdict.snapshot is not None, None
    return Judged(verdict, graded, _execute(job, place) if graded else None)


def _execute(job: Job, place: Path) -> Executed:
    """nbgrader's Execute on the sanitized notebook, in the sandboxed kernel, under the cap."""
    folder = place / "autograded" / job.student / job.assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"{job.assignment}.ipynb").write_text(job.sanitized, encoding="utf-8")  # as nbgrader's pass leaves it
    nb = nbformat.reads(job.sanitized, as_version=4)
    ran = fingerprint(nb)
    config = Config()
    config.Execute = Config(job.execute)
    config.Execute.kernel_manager_class = SandboxedKernelManager
    resources = {"metadata": {"path": str(folder)},
                 "nbgrader": {"student": job.student, "assignment": job.assignment, "notebook": job.assignment}}
    try:
        with capped_kernels(job.sandboxed, job.notebook_seconds) as stopped, setenv(NBGRADER_EXECUTION="autograde"):
            try:
                executed, _ = job.execute_class(config=config).preprocess(nb, resources)
            except Exception as exc:  # noqa: BLE001 -- reported where nbgrader's pass would fail
                return Executed(ran, "", problem=exception_summary(exc) or type(exc).__name__,
                                stopped=stopped.is_set())
        return Executed(ran, nbformat.writes(executed), stopped=stopped.is_set())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
