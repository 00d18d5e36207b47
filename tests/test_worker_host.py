"""The self-check's one sandbox for all its notebooks (autograder.host).

Each notebook the host loads is served as a worker of its own would serve it: the same values and
messages on every check, the same messages when a call loops, the process dies or a cell never
finishes loading. And each starts clean: nothing of the notebook before it (module state, numpy's
state, processes, files in /tmp and /dev/shm, its notebook in the view) is left, and the host's
memory is out of its reach. Closed, it ends on its own, so that its CPU time can be counted.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.calls import StudentProblem, WorkerCaller
from autograder.host import WorkerHost
from autograder.notebook import carried_tasks
from autograder.registry import CHECKS, attempt, checks_for, load_all
from autograder.sandbox import WORKER_SCRIPT, Limits, sandbox_missing
from conftest import NOTEBOOKS, ROOT
from deepgrad.commands.submissions import answered, read, reference_answers, with_bug, write
from worker_notebooks import HEALTHY, LIMITS, assert_serves, write_notebook

pytestmark = pytest.mark.skipif(bool(sandbox_missing()), reason="the host needs the sandbox (bubblewrap)")


@pytest.fixture
def host():
    made = WorkerHost(LIMITS)
    yield made
    made.close()


def on(host, folder: Path, *cells, name: str) -> WorkerCaller:
    (folder / name).mkdir()
    return WorkerCaller(write_notebook(folder / name, *cells, name=f"{name}.ipynb"), host=host)


LEAVES_TRACES = '''
import builtins, os, subprocess, time
import numpy as np

KEEP = []

def leave_traces():
    np.PLANTED = 1
    np.random.seed(7)
    builtins.PLANTED = 1
    open("/tmp/planted.txt", "w").write("a01")
    open("/dev/shm/planted", "w").write("a01")
    KEEP.extend(subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(20))
    if os.fork() == 0:  # a copy of this process, holding every file it has open
        time.sleep(60)
        os._exit(0)
    return float(len(os.listdir(os.path.dirname(__file__))))
'''

FINDS_TRACES = '''
import builtins, os
import numpy as np

def traces():
    """What a notebook loaded after another sees of it."""
    found = []
    if hasattr(np, "PLANTED"):
        found.append("numpy attribute")
    if hasattr(builtins, "PLANTED"):
        found.append("builtin")
    if os.path.exists("/tmp/planted.txt") or os.path.exists("/dev/shm/planted"):
        found.append("file")
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())]
    if others:
        found.append(f"processes {others}")
    found += [f"notebook {n}" for n in os.listdir(os.path.dirname(__file__)) if n != os.path.basename(__file__)]
    return found

def draw_state():
    return float(np.random.rand())

def read_host(what):
    try:
        with open(f"/proc/{os.getppid()}/{what}", "rb") as f:
            f.read(16)
        return "read"
    except OSError as exc:
        return type(exc).__name__

def host_command():
    return open(f"/proc/{os.getppid()}/cmdline", "rb").read().decode().split("\\0")[-3:-1]
'''

COUNTS = '''
CALLS = []

def count():
    CALLS.append(1)
    return float(len(CALLS))
'''


def test_a_notebook_starts_clean_after_another(host, tmp_path):
    """Does the second notebook find none of the first's module state, numpy state, builtins, files,
    processes or notebook, in a fresh copy of the host that cannot read the host's memory?"""
    first = on(host, tmp_path, LEAVES_TRACES, name="a01_first")
    assert first("leave_traces") == 1.0  # its folder in the view holds its own notebook only
    sandbox = host._proc.pid
    second = on(host, tmp_path, FINDS_TRACES, name="a02_second")
    assert second("traces") == []
    assert host._proc.pid == sandbox  # the first ended when asked: the same sandbox serves the second
    drawn = second("draw_state")  # numpy's global generator: seeded afresh, not by the first's seed
    assert drawn != np.random.RandomState(7).rand()
    fresh = on(host, tmp_path, FINDS_TRACES, name="a03_fresh")
    assert fresh("draw_state") != drawn
    assert fresh("host_command") == ["--host", "/tmp/student-output.txt"]
    assert fresh("read_host", "mem") == "PermissionError"
    assert fresh("read_host", "environ") == "PermissionError"
    for caller in (first, second, fresh):
        caller.close()


def test_a_notebook_loaded_again_starts_afresh(host, tmp_path):
    """Within a notebook, state lasts from call to call; loaded again after another, it starts anew
    (as a worker restarted does)."""
    counting = on(host, tmp_path, COUNTS, name="a01_counts")
    other = on(host, tmp_path, HEALTHY, name="a02_other")
    assert [counting("count"), counting("count")] == [1.0, 2.0]
    assert_serves(other)
    assert counting("count") == 1.0


@pytest.mark.parametrize("source, says", [
    ("import os\ndef die():\n    os._exit(3)\n", "exited with status 3"),
    ("import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGKILL)\n", "killed by SIGKILL"),
    ("import os\ndef die():\n    os.abort()\n", "killed by SIGABRT"),
    ("import os, time\ndef die():\n    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)\n    os._exit(3)\n",
     "exited with status 3"),
    ("def die():\n    while True:\n        pass\n", "this call took longer than 2 s"),
], ids=["exit", "sigkill", "abort", "exit-leaving-a-copy", "endless-loop"])
def test_a_notebook_that_dies_or_loops_is_told_as_by_a_worker(host, tmp_path, source, says):
    """Is a death or an endless loop reported with a worker's words, and are the notebook and the
    next one served again (by a fresh sandbox)?"""
    dying = on(host, tmp_path, source, HEALTHY, name="a01_dies")
    assert_serves(dying)
    with pytest.raises(StudentProblem) as info:
        dying("die")
    assert says in info.value.message
    assert_serves(dying)
    assert_serves(on(host, tmp_path, HEALTHY, name="a02_next"))


def test_a_cell_that_never_finishes_loading_is_left_out(tmp_path):
    """Is an endless answer cell left out with its message, the rest of the notebook served, and
    the next notebook loaded normally?"""
    host = WorkerHost(Limits(call_seconds=2, start_seconds=3))
    try:
        slow = on(host, tmp_path, "while True:\n    pass\n", HEALTHY, name="a01_slow")
        assert_serves(slow)
        assert any("did not finish loading within 3 s" in str(e.get("traceback")) for e in slow.load_errors)
        assert_serves(on(host, tmp_path, HEALTHY, name="a02_next"))
    finally:
        host.close()


def _submission(folder: Path) -> dict[str, Path]:
    """Every assignment with its demo bug (deepgrad.commands.submissions.BUGS), and a stub of a01."""
    notebooks = {}
    for assignment, name in sorted(NOTEBOOKS.items()):
        answers = with_bug(reference_answers(read(ROOT / "solutions" / name / f"{name}.ipynb")), assignment)
        if assignment == "a01":
            answers.pop("ans_sigmoid")  # left as released: "not implemented yet"
        release = read(ROOT / "assignments" / name / f"{name}.ipynb")
        notebooks[assignment] = folder / name / f"{name}.ipynb"
        write(answered(release, answers), notebooks[assignment])
    return notebooks


def _verdicts(notebooks: dict[str, Path], host) -> dict[str, str | None]:
    """Every public check's message (None: passed) on every notebook, carried checks included."""
    load_all()
    found = {}
    for assignment, path in notebooks.items():
        caller = WorkerCaller(path, host=host)
        try:
            for check in [*checks_for(assignment), *(c for t in carried_tasks(path) for c in checks_for(t))]:
                found[f"{assignment}:{check.id}"] = attempt(check, caller)
        finally:
            caller.close()
    return found


def test_every_check_says_the_same_through_the_host(tmp_path):
    """On a submission with a realistic bug in every notebook, does every public check give the
    same verdict and message through the host as through a worker per notebook?"""
    notebooks = _submission(tmp_path)
    alone = _verdicts(notebooks, None)
    host = WorkerHost()
    try:
        hosted = _verdicts(notebooks, host)
    finally:
        host.close()
    assert hosted == alone
    assert sum(m is not None for m in alone.values()) >= len(NOTEBOOKS)  # every bug caught
    assert len({k.split(":")[1] for k in alone}) == len(CHECKS)


def test_the_hosts_cpu_time_reaches_a_subreaper_once_closed(tmp_path):
    """Once closed, is the CPU time spent in the host's notebooks in the RUSAGE_CHILDREN of a child
    subreaper that reaps what is left, as bench/selfcheck.py counts it? (bwrap does not wait for its
    own init, so only the process that reaps that init can count it; a sandbox ended by SIGKILL
    takes its CPU time with it.)"""
    burn = "def burn():\n    import time\n    end = time.process_time() + 0.4\n    while time.process_time() < end:\n" \
           "        pass\n    return 0.0\n"
    notebook = write_notebook(tmp_path, burn)
    script = textwrap.dedent(f"""
        import ctypes, os, resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        from autograder.calls import WorkerCaller
        from autograder.host import WorkerHost
        host = WorkerHost()
        caller = WorkerCaller({str(notebook)!r}, host=host)
        caller("burn")
        host.close()
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(used.ru_utime + used.ru_stime)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert float(done.stdout.split()[-1]) >= 0.4


def test_the_host_refuses_to_run_outside_a_sandbox(tmp_path):
    """Started anywhere but as a sandbox's first process, does `worker.py --host` end at once,
    before it could kill anything?"""
    done = subprocess.run([sys.executable, "-I", str(WORKER_SCRIPT), "--host", str(tmp_path / "out.txt")],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "runs only as a sandbox's first process" in done.stderr


AS_USER_SCRIPT = """
import json, sys
from pathlib import Path
from autograder.calls import WorkerCaller
from autograder.host import WorkerHost
host = WorkerHost()
try:
    first, second = (WorkerCaller(Path(path), host=host) for path in sys.argv[1:3])
    print(json.dumps({"first": first("leave_traces"), "second": second("traces"), "uid": second("uid")}))
finally:
    host.close()
"""


def test_an_ordinary_user_gets_the_same_host():
    """Run by an ordinary user (a user namespace instead of setpriv), does the host serve each
    notebook as the sandbox's unprivileged user, and clean up between them just as well?"""
    from autograder import bubblewrap
    from test_sandbox import run_as_ordinary_user

    def prepare(folder, ids):
        folder.chmod(0o755)
        for name, source in (("a01_first", LEAVES_TRACES), ("a02_second", FINDS_TRACES + UID)):
            (folder / name).mkdir(mode=0o755)
            write_notebook(folder / name, source, name=f"{name}.ipynb").chmod(0o644)

    _, done = run_as_ordinary_user("deepgrad-host-as-user-", prepare, AS_USER_SCRIPT,
                                   "{folder}/a01_first/a01_first.ipynb", "{folder}/a02_second/a02_second.ipynb")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"first": 1.0, "second": [], "uid": float(bubblewrap.SANDBOX_ID)}


UID = '''

def uid():
    return float(os.getuid())
'''


# ------------------------------------------------------------------ started early (autograder/conftest.py)
def _configured(**options):
    from types import SimpleNamespace

    return SimpleNamespace(option=SimpleNamespace(**options))


def test_the_sandbox_started_early_is_the_one_the_checks_take():
    """`pytest autograder` prepares its host as pytest is configured (in a thread) and starts it as
    collection begins (from the main thread, not the preparing one): is that the host the checks
    get, already launched, and does it serve a notebook?"""
    from types import SimpleNamespace

    from autograder import conftest as plugin

    config = _configured()
    plugin.start_sandbox_early(config)
    early = config._deepgrad_sandbox
    early._thread.join()
    assert early._host is not None and early._host._proc is None  # prepared, not started by the thread
    plugin.pytest_collection(SimpleNamespace(config=config))
    assert early._host._alive()
    host = early.host()
    try:
        assert isinstance(host, WorkerHost) and host._alive()
        name = NOTEBOOKS["a01"]
        caller = WorkerCaller(ROOT / "solutions" / name / f"{name}.ipynb", host=host)
        assert caller("sigmoid", 0.0) == 0.5
        plugin.pytest_unconfigure(config)  # taken: closing it is the checks' (their fixture's) part
        assert host._alive()
    finally:
        host.close()
    assert not host._alive()


def test_a_sandbox_no_check_takes_is_ended_and_none_starts_to_only_show_something():
    """A run that takes no check (`-m` matching none, a wrong --submission) still ends the sandbox
    it started; `--markers`, `--help`, `--fixtures` and `--collect-only` start none."""
    from autograder import conftest as plugin

    config = _configured()
    plugin.start_sandbox_early(config)
    early = config._deepgrad_sandbox
    early.launch()  # as collection begins (pytest_collection)
    launched = early._host._proc
    assert launched.poll() is None
    plugin.pytest_unconfigure(config)
    assert launched.wait(timeout=10) is not None and not early._host._alive()
    for option in plugin.SHOWING_ONLY:
        shown = _configured(**{option: True})
        plugin.start_sandbox_early(shown)
        assert not hasattr(shown, "_deepgrad_sandbox"), option


@pytest.mark.parametrize("attempts, served", [(2, True), (1, False)], ids=["launched-again", "planted-no-retry"])
def test_a_host_that_ends_before_it_is_ready_is_launched_again(monkeypatch, attempts, served):
    """A host that ends before its "ready" has run no notebook code: a sandbox that failed to start
    is launched once more, and the first check is served; without that second launch (the planted
    bug) the first check meets the failed start."""
    import autograder.host as host_module

    monkeypatch.setattr(host_module, "START_ATTEMPTS", attempts)
    made = WorkerHost(LIMITS)
    launches = iter([["/bin/sh", "-c", "exit 3"], made.command()])
    monkeypatch.setattr(made, "command", lambda: next(launches))
    name = NOTEBOOKS["a01"]
    caller = WorkerCaller(ROOT / "solutions" / name / f"{name}.ipynb", host=made)
    try:
        if served:
            assert caller("sigmoid", 0.0) == 0.5
        else:
            with pytest.raises(StudentProblem, match="exit"):
                caller("sigmoid", 0.0)
    finally:
        caller.close()
        made.close()
