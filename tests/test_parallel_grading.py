"""`deepgrad autograde --jobs N` grades side by side and gives exactly what a serial run gives.

One mixed class of a01 (honest, buggy, stub, a cheater patching numpy, a hostile one killing
its parent, a notebook that is not JSON, a symlink) is graded three ways in one course: serially,
by the command line with two jobs, and with two jobs one of whose processes is killed mid-run.
Before each parallel run every result is forgotten (scores set to 99, autograded notebooks,
feedback and the report deleted), so a run can only pass on its own results."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import types

import pytest
from nbgrader.api import Gradebook

from conftest import NOTEBOOKS, PATCHED_NUMPY_SIGMOID, processes_left_by_this_test_run, released_course
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.commands.submissions import answered, write

A01 = NOTEBOOKS["a01"]
WRONG_SIGN = "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n"
# put before the reference's own sigmoid
KILLS_PARENT = "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass\n\n\n"
CLASS = {"honest": {}, "buggy": {"ans_sigmoid": WRONG_SIGN}, "stub": None,
         "cheater": {"ans_sigmoid": PATCHED_NUMPY_SIGMOID}, "hostile": {"ans_sigmoid": KILLS_PARENT}}
BROKEN = ("junk", "link")  # a notebook that is not JSON; a symlink to the solutions (refused)


def _outcome(course, verdicts) -> dict:
    """Everything a run leaves: verdicts, gradebook scores, report rows, autograded notebooks."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: {g.name: (g.auto_score, g.needs_manual_grade) for n in s.notebooks for g in n.grades}
                  for s in gradebook.find_assignment(A01).submissions}
    with (course / f"grading_report_{A01}.csv").open() as handle:
        report = sorted(tuple(row.items()) for row in csv.DictReader(handle))
    autograded = {}
    for path in sorted((course / "autograded").glob(f"*/{A01}/{A01}.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            cell.get("metadata", {}).pop("execution", None)  # nbclient's timestamps
        autograded[path.parts[-3]] = nb
    return {"verdicts": [(v.student, v.status, v.score, v.reason, v.seed, v.sandbox,
                          [(t.grade_id, t.status, t.score, t.messages, t.student_messages) for t in v.tasks]) for v in verdicts],
            "scores": scores, "report": report, "autograded": autograded}


def _forget(course) -> None:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(A01).submissions:
            for nb in submission.notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 99.0, False
        gradebook.db.commit()
    shutil.rmtree(course / "autograded")
    (course / f"grading_report_{A01}.csv").unlink()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    from deepgrad.runs.autograde import autograde_and_report

    course, release, ref = released_course(tmp_path_factory.mktemp("jobs") / "course")
    for student, changes in CLASS.items():
        if student == "hostile":
            changes = {"ans_sigmoid": KILLS_PARENT + ref["ans_sigmoid"]}
        nb = release if changes is None else answered(release, {**ref, **changes})
        write(nb, course / "submitted" / student / A01 / f"{A01}.ipynb")
    for student in BROKEN:
        (course / "submitted" / student / A01).mkdir(parents=True)
    (course / "submitted" / "junk" / A01 / f"{A01}.ipynb").write_text("{ not json")
    os.symlink(course / "solutions" / A01 / f"{A01}.ipynb", course / "submitted" / "link" / A01 / f"{A01}.ipynb")
    verdicts, _ = autograde_and_report(course, A01, grader=Nbgrader(course, cell_timeout=10), jobs=1)
    return course, _outcome(course, verdicts)


def test_the_serial_run_grades_the_mixed_class(serial):
    """The reference point is itself right: honest full marks, the rest as they deserve."""
    by_student = {v[0]: v for v in serial[1]["verdicts"]}
    assert by_student["honest"][1:3] == ("graded", 16)
    assert by_student["hostile"][1:3] == ("graded", 16)  # its kill reached no grader process
    assert by_student["cheater"][2] < 16 and by_student["buggy"][2] < 16 and by_student["stub"][2] == 0
    assert by_student["junk"][1] == by_student["link"][1] == "broken"


def test_two_jobs_from_the_command_line_give_the_serial_results(serial):
    """`deepgrad autograde A --jobs 2`: the same verdicts, scores, report and autograded notebooks,
    a progress bar on stderr, and nothing left running."""
    course, expected = serial
    _forget(course)
    done = subprocess.run([sys.executable, "-m", "deepgrad", "autograde", A01, "--jobs", "2"], cwd=course,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == len(BROKEN), done.stderr[-3000:]
    assert f"{len(CLASS) + len(BROKEN)}/{len(CLASS) + len(BROKEN)}" in done.stderr and "2 broken" in done.stderr
    got = _outcome(course, [])
    assert {k: got[k] for k in ("scores", "report", "autograded")} == \
        {k: expected[k] for k in ("scores", "report", "autograded")}
    assert not processes_left_by_this_test_run()


def test_a_killed_job_process_takes_no_submission_with_it(serial, monkeypatch):
    """One job process is SIGKILLed while the run goes on: every submission is still graded,
    exactly as serially (those the dead process held are graded by the run itself)."""
    from deepgrad.runs import autograde as run
    from deepgrad.runs.jobs import job_pool

    course, expected = serial
    _forget(course)
    own_pool, killed, finished = job_pool, [], threading.Event()

    def killer(pool):
        while not finished.is_set():
            processes = list((getattr(pool.executor, "_processes", None) or {}).values())
            if processes and time.monotonic() - started > 3:
                os.kill(processes[0].pid, signal.SIGKILL)
                killed.append(processes[0].pid)
                return
            time.sleep(0.1)

    def pool_with_killer(n):
        manager = own_pool(n)
        pool = manager.__enter__()
        threading.Thread(target=killer, args=(pool,), daemon=True).start()

        class Managed:
            def __enter__(self):
                return pool

            def __exit__(self, *exc):
                return manager.__exit__(*exc)
        return Managed()

    monkeypatch.setattr(run, "job_pool", pool_with_killer)  # where the run looks it up
    started = time.monotonic()
    verdicts, _ = run.autograde_and_report(course, A01, grader=Nbgrader(course, cell_timeout=10), jobs=2)
    finished.set()
    assert killed, "the run ended before a job process could be killed"
    assert _outcome(course, verdicts) == expected
    assert not processes_left_by_this_test_run()


def test_jobs_run_each_notebook_once(serial, monkeypatch):
    """nbgrader's pass after a job takes the job's run (the notebooks match to the byte), so no
    notebook runs twice; a mismatch would still grade right, only twice as slowly, so it is
    counted here: no kernel run in this process."""
    from nbconvert.preprocessors import ExecutePreprocessor

    from deepgrad.runs.autograde import autograde

    course, expected = serial
    here, real = [], ExecutePreprocessor.preprocess
    monkeypatch.setattr(ExecutePreprocessor, "preprocess", lambda self, *a, **k: (here.append(1), real(self, *a, **k))[1])
    students = ["buggy", "honest"]
    verdicts = autograde(course, A01, students, grader=Nbgrader(course, cell_timeout=10), jobs=2)
    assert not here
    assert _outcome(course, verdicts)["verdicts"] == [v for v in expected["verdicts"] if v[0] in students]


def test_jobs_started_early_stand_only_for_the_snapshot_they_were_made_of(serial):
    """`start_jobs` gives the pool a class's jobs before its run (the demo releases the next
    assignment meanwhile); the run takes a job only if it was made of the very snapshot the run
    takes. A notebook handed in again in between gets a job of its own."""
    from deepgrad.runs.autograde import autograde, start_jobs
    from deepgrad.runs.jobs import job_pool

    course, expected = serial
    grader = Nbgrader(course, cell_timeout=10)
    buggy, honest = (course / "submitted" / s / A01 / f"{A01}.ipynb" for s in ("buggy", "honest"))
    saved = buggy.read_bytes()
    try:
        with job_pool(2) as pool:
            started = start_jobs(course, A01, ["honest", "buggy"], pool, grader)
            assert set(started) == {"honest", "buggy"}
            buggy.write_bytes(honest.read_bytes())  # buggy hands in the honest notebook after all
            submitted, submit = [], pool.submit
            pool.submit = lambda job: (submitted.append(job.student), submit(job))[1]
            verdicts = autograde(course, A01, ["honest", "buggy"], grader=grader, pool=pool, started=started)
    finally:
        buggy.write_bytes(saved)
    assert submitted == ["buggy"]  # honest's early job stood; buggy's was of the notebook since replaced
    right = next(v for v in expected["verdicts"] if v[0] == "honest")
    got = _outcome(course, verdicts)["verdicts"]
    assert got[0] == right
    assert got[1][:3] == ("buggy", "graded", 16)  # graded as the notebook it handed in last
    assert not processes_left_by_this_test_run()


# ---------------------------------------------------------------- a Dask cluster
@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two worker processes (as `dask worker` would run them), for this module."""
    pytest.importorskip("distributed", reason="Dask's distributed package is not installed (the test extra has it)")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local


def test_a_dask_cluster_gives_the_serial_results_though_a_worker_dies(serial, cluster):
    """`deepgrad autograde A --scheduler ADDRESS`: the jobs go to the cluster's workers; one of them
    is SIGKILLed mid-run; its jobs are done again elsewhere, and everything equals the serial run."""
    from distributed import Client

    from deepgrad.runs.autograde import autograde_and_report

    course, expected = serial
    _forget(course)
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = list(client.run(os.getpid).values())
    killed, finished = [], threading.Event()

    def killer():
        time.sleep(4)
        if not finished.is_set():
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    threading.Thread(target=killer, daemon=True).start()
    verdicts, _ = autograde_and_report(course, A01, grader=Nbgrader(course, cell_timeout=10),
                                       scheduler=cluster.scheduler_address)
    finished.set()
    assert killed, "the run ended before a worker could be killed"
    assert _outcome(course, verdicts) == expected


def test_a_worker_without_a_sandbox_refuses_and_the_run_grades_itself(serial, capsys):
    """Workers that cannot make a sandbox refuse every job: the run says so once, grades those
    submissions itself, and gets the serial results."""
    pytest.importorskip("distributed", reason="Dask's distributed package is not installed (the test extra has it)")
    from distributed import LocalCluster

    from deepgrad.runs.autograde import autograde

    course, expected = serial
    students = ["honest", "buggy"]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      env={"DEEPGRAD_BWRAP": "/nonexistent/bwrap"}) as unsafe:
        verdicts = autograde(course, A01, students, grader=Nbgrader(course, cell_timeout=10),
                             scheduler=unsafe.scheduler_address)
    said = capsys.readouterr().err
    assert said.count("could not grade") == 1 and "sandbox" in said
    assert sorted(_outcome(course, verdicts)["verdicts"]) == sorted(v for v in expected["verdicts"] if v[0] in students)


def test_a_submission_that_kills_every_worker_ends_broken(serial):
    """Dask gives up on a job whose workers all died (KilledWorker): that submission is broken with
    the reason and its nbgrader entries are set aside."""
    from concurrent.futures import Future

    from distributed.scheduler import KilledWorker

    from deepgrad.runs.autograde import autograde
    from deepgrad.runs.jobs import LocalJobs

    class Deadly(LocalJobs):  # what the cluster answers for the submission that kills its workers
        where = "Dask worker"

        def submit(self, job):
            future = Future()
            worker = types.SimpleNamespace(address="tcp://10.0.0.7:4711")  # as a WorkerState has it
            future.set_exception(KilledWorker(f"deepgrad-{job.student}", worker, 3))
            return future

    course, _ = serial
    verdicts = autograde(course, A01, ["hostile"], grader=Nbgrader(course, cell_timeout=10), pool=Deadly(executor=None))
    assert verdicts[0].status == "broken"
    assert "ended 4 Dask workers" in verdicts[0].reason and "tcp://10.0.0.7:4711" in verdicts[0].reason
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grades = gradebook.find_submission_notebook(A01, A01, "hostile").grades
        assert all(g.needs_manual_grade for g in grades)


def test_a_worker_with_other_checks_refuses_the_job():
    """A worker whose installed checks differ from the coordinator's would grade by other rules:
    it refuses (and the run grades that submission itself, as for any refused job)."""
    from autograder.sandbox import Limits
    from deepgrad.base.errors import CourseError
    from deepgrad.runs.jobs import Job, judge, toolkit_version

    job = Job("ann", A01, b"{}", b"{}", "{}", b"secret", Limits(), True, 1.0, None, None, toolkit="0" * 64)
    assert toolkit_version() != job.toolkit
    with pytest.raises(CourseError, match="differs from the one grading started from"):
        judge(job)


def test_a_fork_server_started_early_is_the_one_the_job_processes_come_from():
    """`deepgrad demo` starts the job processes' fork server before importing the grader (the two
    import side by side): does the pool then fork its processes from that very server, and stop
    it when done? (Planted bug: start_early a no-op, or the pool starting a server of its own.)"""
    from multiprocessing import forkserver

    from deepgrad.runs.job_server import start_early
    from deepgrad.runs.jobs import job_pool, toolkit_version

    if not start_early():
        pytest.skip("no fork server on this platform (job processes are spawned)")
    server = forkserver._forkserver._forkserver_pid  # multiprocessing's own record of it
    assert server is not None and os.path.exists(f"/proc/{server}")
    with job_pool(1) as pool:
        assert pool.executor.submit(toolkit_version).result(timeout=60) == toolkit_version()
        assert pool.executor.submit(os.getppid).result(timeout=60) == server
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{server}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{server}")
