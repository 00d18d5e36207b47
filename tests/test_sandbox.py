"""The bubblewrap sandbox, attacked from inside: one test per way out that worked before it.

Every attack is student code in a worker (the self-check's and the verdict's) or in nbgrader's
kernel. Each test asserts that the attack found nothing to read, nothing to write, nobody to
signal and nothing that outlives the sandbox -- and, where it is a check, that the same check
fails when the sandbox is left out (the planted bug), so a check that cannot fail fails here.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from autograder import bubblewrap
from autograder.calls import WorkerCaller
from autograder.resources import ResourceGroup
from autograder.sandbox import PACKAGE_ROOT, Limits, sandbox_missing
from conftest import ROOT, processes_left_by_this_test_run
from worker_notebooks import write_notebook

pytestmark = pytest.mark.skipif(bool(sandbox_missing()), reason=f"no sandbox here: {sandbox_missing()}")

LIMITS = Limits(call_seconds=5, start_seconds=30)
PRIVATE = [ROOT / name for name in ("solutions", "tests", ".git", "nbgrader_config.py", "README.md")]

ATTACKS = '''
import ctypes, os, signal, subprocess, time

def identity():
    status = open("/proc/self/status").read()
    field = lambda name: status.split(name + ":")[1].split()[0]
    return [os.getuid(), os.getgid(), field("CapEff"), field("CapBnd"), field("NoNewPrivs")]

def visible(paths):
    return [p for p in paths if os.path.exists(p)]

def write_into(paths):
    """Each path written to, or the error that stopped it."""
    done = []
    for path in paths:
        try:
            with open(path, "w") as handle:
                handle.write("import os  # planted by a student")
            done.append("written")
        except OSError as exc:
            done.append(type(exc).__name__)
    return done

def umount(path):
    libc = ctypes.CDLL(None, use_errno=True)
    return [libc.umount2(path.encode(), 2), ctypes.get_errno()]  # MNT_DETACH

def other_processes():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid())

def through_proc_root(pid, path):
    """Reach a host file through another process's root or working folder."""
    found = []
    for link in ("root", "cwd"):
        try:
            found.append(sorted(os.listdir(f"/proc/{int(pid)}/{link}{path}")))
        except OSError as exc:
            found.append(type(exc).__name__)
    return found

def kill(pid):
    try:
        os.kill(int(pid), signal.SIGKILL)
        return "killed"
    except OSError as exc:
        return type(exc).__name__

def daemon(seconds):
    """A process that leaves the worker's session and its process group, meant to live on."""
    subprocess.Popen(["sleep", str(seconds)], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return 0.0

def shm_file(name):
    with open("/dev/shm/" + name, "wb") as handle:
        handle.write(b"x" * 1000)
    with open("/tmp/" + name, "wb") as handle:
        handle.write(b"x" * 1000)
    return 0.0

def fill_tmp():
    try:
        with open("/tmp/big", "wb") as handle:
            for _ in range(1024):
                handle.write(b"x" * 2**20)
        return "filled"
    except OSError as exc:
        return type(exc).__name__

def children_allocating(count, mib):
    """count children each holding mib MiB at once: 'survived' if every one lived to the end."""
    procs = [subprocess.Popen(["python3", "-c",
                               f"b = bytearray({int(mib)} * 2**20); import time; time.sleep(2)"])
             for _ in range(int(count))]
    codes = [p.wait() for p in procs]
    return "survived" if all(c == 0 for c in codes) else "killed"
'''


@pytest.fixture(scope="module")
def attacker(tmp_path_factory):
    """One worker serving every attack that leaves it alive."""
    caller = WorkerCaller(write_notebook(tmp_path_factory.mktemp("attacks"), ATTACKS), LIMITS)
    yield caller
    caller.close()


def test_runs_as_an_unprivileged_user_with_no_capability(attacker):
    """Does student code run as nobody, with no capability at all and no way to gain one?"""
    uid, gid, effective, bounding, no_new_privs = attacker("identity")
    assert (uid, gid) == (bubblewrap.SANDBOX_ID, bubblewrap.SANDBOX_ID)
    assert int(effective, 16) == 0 and no_new_privs == "1"
    if os.geteuid() == 0:
        assert int(bounding, 16) == 0


def test_private_course_files_are_absent(attacker, tmp_path):
    """Are the solutions, tests, git history, course config and the instructor's home simply not
    there, while the toolkit is? (Planted bug: the same probe outside the sandbox sees them.)"""
    probe = [str(p) for p in PRIVATE] + [str(Path.home() / ".bash_history"), "/etc/passwd", "/etc/shadow"]
    assert attacker("visible", probe) == []
    assert attacker("visible", [str(PACKAGE_ROOT / "autograder" / "api.py")]) == [str(PACKAGE_ROOT / "autograder" / "api.py")]
    plain = WorkerCaller(write_notebook(tmp_path, ATTACKS), LIMITS, sandboxed=False)
    try:
        assert set(attacker("visible", probe)) < set(plain("visible", probe))
    finally:
        plain.close()


def test_umount_cannot_uncover_anything(attacker):
    """Does undoing a mount fail (no privilege), leaving the private files as absent as before?"""
    result, errno_ = attacker("umount", str(PACKAGE_ROOT / "autograder"))
    assert result == -1 and errno_ != 0
    assert attacker("visible", [str(p) for p in PRIVATE]) == []


def test_no_host_process_is_seen_reached_or_signalled(attacker):
    """Does student code see only its own sandbox's processes, so that no grader's
    /proc/<pid>/root or /cwd leads to the course, and no grader can be killed?"""
    seen = attacker("other_processes")
    assert all(pid < 100 for pid in seen)  # its own PID namespace: bwrap's init and the worker
    assert os.getpid() not in seen or os.getpid() < 100
    for pid in (1, os.getpid()):
        for found in attacker("through_proc_root", pid, str(ROOT / "solutions")):
            assert found in ("FileNotFoundError", "PermissionError")
    assert attacker("kill", os.getpid()) in ("ProcessLookupError", "PermissionError")


def test_nothing_the_code_sees_can_be_written(attacker):
    """Are the toolkit that later trusted steps import, the interpreter's site-packages (a `.pth`
    would run at every start) and the working folder read-only to student code?"""
    import site

    targets = [str(PACKAGE_ROOT / "autograder" / "planted.py"), str(PACKAGE_ROOT / "autograder" / "api.py"),
               str(Path(site.getsitepackages()[0]) / "zz_planted.pth"), str(PACKAGE_ROOT / "planted.txt")]
    assert "written" not in attacker("write_into", targets)
    assert not any(Path(t).exists() and "planted" in Path(t).read_text(errors="ignore") for t in targets)


def test_private_tmp_and_shm_are_capped_and_vanish(tmp_path):
    """Is /tmp capped in size, and are /tmp and /dev/shm files gone with the sandbox (the host's
    /dev/shm never sees them)?"""
    caller = WorkerCaller(write_notebook(tmp_path, ATTACKS), LIMITS)
    name = f"deepgrad-planted-{os.getpid()}"
    try:
        assert caller("shm_file", name) == 0.0
        assert not Path("/dev/shm", name).exists()
        assert caller("fill_tmp") == "OSError"  # ENOSPC: 256 MiB, not the host's disk
    finally:
        caller.close()
    assert not Path("/dev/shm", name).exists() and not Path("/tmp", name).exists()


def _running(command: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes() == command:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _wait(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_daemon_leaving_its_session_dies_with_the_sandbox(tmp_path):
    """Is a process that left the worker's session and process group ended with the worker, and
    does the test run's leftover check see the sandbox itself until then?"""
    def this_run():
        return {pid for pid, _ in processes_left_by_this_test_run(grace=0)}  # as it is now: polled below

    before = this_run()  # the module's shared worker, still alive
    caller = WorkerCaller(write_notebook(tmp_path, ATTACKS), LIMITS)
    seconds = f"47.{os.getpid()}"
    command = f"sleep\0{seconds}\0".encode()
    caller("daemon", seconds)
    assert _wait(lambda: _running(command))  # it runs, outside the worker's process group
    assert this_run() - before  # the sandbox it lives in is this run's
    caller.close()
    assert _wait(lambda: not _running(command))
    assert _wait(lambda: not this_run() - before)


def _memory_cgroup_writable() -> bool:
    group = ResourceGroup(8, 2**30)
    group.remove()
    return "memory" in group.bounded


@pytest.mark.skipif(not _memory_cgroup_writable(),
                    reason="no writable memory cgroup here: memory is bounded per process only")
def test_memory_is_bounded_for_the_whole_process_tree(tmp_path):
    """Do three children that each stay under the per-process cap still get killed together when
    their sum passes the sandbox's memory bound? (One child alone survives: the check can pass.)"""
    limits = Limits(call_seconds=20, start_seconds=30, memory_bytes=1536 * 2**20)
    caller = WorkerCaller(write_notebook(tmp_path, ATTACKS), limits)
    try:
        assert caller("children_allocating", 1, 400) == "survived"
        assert caller("children_allocating", 3, 700) == "killed"
    except Exception as exc:  # the worker itself may be the one the kernel's OOM killer picks
        assert "killed" in str(exc)
    finally:
        caller.close()


def test_forbidden_libraries_are_not_in_the_view(attacker):
    """However the import is spelled, are scipy and scikit-learn absent from the worker's view
    (while installed for the grader)?"""
    import importlib.util

    installed = [name for name in ("scipy", "sklearn") if importlib.util.find_spec(name)]
    assert installed, "the planted case needs scipy or scikit-learn installed for the grader"
    probe = [str(Path(importlib.util.find_spec(n).origin)) for n in installed]
    assert attacker("visible", probe) == []


ORDINARY_USER = "deepgrad-sandbox-test"
AS_USER_SCRIPT = """
import json, os, sys
from pathlib import Path
from autograder.calls import WorkerCaller
caller = WorkerCaller(Path(sys.argv[1]))
try:
    print(json.dumps({"grader": os.geteuid(), "sandboxed": caller.worker.sandboxed,
                      "identity": caller("identity"),
                      "visible": caller("visible", json.loads(sys.argv[2]))}))
finally:
    caller.close()
"""


def _ordinary_user() -> tuple[int, int] | None:
    """An ordinary user to run the sandbox as (created when root), or None where none can be made."""
    import pwd
    import subprocess

    try:
        entry = pwd.getpwnam(ORDINARY_USER)
    except KeyError:
        if subprocess.run(["useradd", "--system", "--no-create-home", ORDINARY_USER],
                          capture_output=True).returncode != 0:
            return None
        entry = pwd.getpwnam(ORDINARY_USER)
    return entry.pw_uid, entry.pw_gid


def _closed_folders(paths) -> list[Path]:
    """The folders on the way to ``paths`` that other users may not enter (root's home, often)."""
    closed = []
    for path in paths:
        for folder in reversed(Path(path).resolve().parents):
            if not folder.stat().st_mode & 0o001 and folder not in closed:
                closed.append(folder)
    return closed


# Run as root in a private mount namespace: each closed folder gets an open tmpfs over it, holding
# its own entries bound back (their own permissions unchanged), so an ordinary user can reach this
# Python and this course, as on a machine where that user installed them; the host is not changed.
OPEN_FOLDERS = """
set -e
for folder in "$@"; do
  [ "$folder" = "--" ] && break
  staging=$(mktemp -d)
  mount --bind "$folder" "$staging"
  mount -t tmpfs -o mode=0755 deepgrad-open "$folder"
  for entry in "$staging"/* "$staging"/.[!.]*; do
    [ -e "$entry" ] || continue
    name=${entry##*/}
    if [ -d "$entry" ]; then mkdir "$folder/$name"; else touch "$folder/$name"; fi
    mount --bind "$entry" "$folder/$name"
  done
  shift
done
shift
exec "$@"
"""


def run_as_ordinary_user(prefix: str, prepare, script: str, *args: str, env: dict | None = None,
                         timeout: int = 120):
    """``python -c script *args`` run by an ordinary user (skipped where none can be had), in a
    private mount namespace that opens the folders on the way to this Python and course
    (:data:`OPEN_FOLDERS`). ``prepare(folder, ids)`` first fills a fresh folder, which ``args`` and
    ``env``'s values name as "{folder}". The user's ids and the completed process."""
    import shutil
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("needs root to run the grader as an ordinary user (the test's own user)")
    ids = _ordinary_user()
    if ids is None:
        pytest.skip("no ordinary user could be created here")
    folder = Path(tempfile.mkdtemp(prefix=prefix))  # pytest's tmp_path is root's alone
    closed = _closed_folders([sys.executable, sys.prefix, sys.base_prefix, ROOT, folder])
    try:
        prepare(folder, ids)
        as_user = ["setpriv", "--reuid", str(ids[0]), "--regid", str(ids[1]), "--clear-groups", "--",
                   sys.executable, "-c", script, *(a.replace("{folder}", str(folder)) for a in args)]
        env = None if env is None else {k: v.replace("{folder}", str(folder)) for k, v in env.items()}
        return ids, subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", OPEN_FOLDERS,
                                    "open-folders", *map(str, closed), "--", *as_user],
                                   capture_output=True, text=True, timeout=timeout, cwd="/", env=env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_an_ordinary_user_gets_the_same_sandbox():
    """Run by an ordinary user instead of root (a user namespace instead of setpriv), is student
    code just as unprivileged and blind to the course?"""
    def prepare(folder, ids):
        folder.chmod(0o755)
        write_notebook(folder, ATTACKS).chmod(0o644)

    ids, done = run_as_ordinary_user("deepgrad-as-user-", prepare, AS_USER_SCRIPT, "{folder}/a01_test.ipynb",
                                     json.dumps([str(p) for p in PRIVATE]))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["grader"] == ids[0] and result["sandboxed"] is True, result
    uid, gid, effective, _, no_new_privs = result["identity"]
    assert (uid, gid) == (bubblewrap.SANDBOX_ID, bubblewrap.SANDBOX_ID)
    assert int(effective, 16) == 0 and no_new_privs == "1"
    assert result["visible"] == []


def test_a_course_inside_a_system_folder_is_emptied_in_the_view():
    """A course kept under a folder the sandbox shows whole (/usr): is it empty in the view but
    for the folders bound back into it? (/usr/share stands in for the course, /usr/share/doc for
    its toolkit; the planted contrast is the same view without the mask, which shows it all.)"""
    import subprocess

    course = Path("/usr/share")
    toolkit = next(p for p in sorted(course.iterdir()) if p.is_dir())
    listing = [sys.executable, "-I", "-c", f"import json, os; print(json.dumps(sorted(os.listdir({str(course)!r}))))"]

    def seen(masked):
        view = bubblewrap.View(readable=(toolkit,), masked=masked)
        done = subprocess.run(bubblewrap.command(listing, view), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert seen((course,)) == [toolkit.name]
    assert len(seen(())) > 1
