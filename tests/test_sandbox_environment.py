"""Everything a student produces is hostile data: nothing of the grader's reaches it, as root or
as an ordinary user (an instructor grading on a JupyterHub).

- No secret of the grader's environment (a JupyterHub API token, cloud keys) is anywhere student
  code can read: its own environment, /proc/<pid>/environ, cmdline or memory of any process it
  sees -- bwrap's init included, which an ordinary user's sandbox can read (same uid).
- Student code can leave nothing on the host: nbgrader's kernel makes its sockets in a tiny
  folder of the sandbox's own, not in a host folder bound writable.
- The verdict's worker sees no package folder the interpreter's clean sys.path does not use (the
  base interpreter's site-packages), and no forbidden library in those it uses.

Each check fails on the behaviour before these fixes (see the test's docstring).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from autograder import bubblewrap
from autograder.calls import WorkerCaller
from autograder.sandbox import Limits, sandbox_missing

from deepgrad.adapters.kernel import SandboxedKernelManager
from test_sandbox import run_as_ordinary_user
from worker_notebooks import write_notebook

pytestmark = pytest.mark.skipif(bool(sandbox_missing()), reason=f"no sandbox here: {sandbox_missing()}")

LIMITS = Limits(call_seconds=20, start_seconds=60)
# Planted in the grader's environment; unique to this run, so a match is never a coincidence.
SECRETS = {name: f"dg-planted-{name.lower()}-{secrets.token_hex(8)}"
           for name in ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN",
                        "PGPASSWORD")}

# Student code that looks everywhere for the grader's environment: its own, and the environ,
# command line and stack/heap memory of every process it can see (bwrap's init is PID 1).
SNOOP = r'''
import os, re

def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("latin-1")
    except OSError as exc:
        return type(exc).__name__

def _memory(pid):
    """NAME=value strings in a process's stack and heap, where ptrace's rules let it be read."""
    found = []
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
            for line in maps:
                if line.rstrip().endswith(("[stack]", "[heap]")):
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    mem.seek(start)
                    data = mem.read(min(end - start, 16 << 20))
                    found += [m.decode("latin-1") for m in re.findall(rb"[A-Z][A-Z0-9_]{2,}=[\x20-\x7e]{1,200}", data)]
    except (OSError, ValueError, OverflowError) as exc:
        found.append(type(exc).__name__)
    return sorted(set(found))[:2000]

def snoop():
    seen = {"environ": dict(os.environ)}
    for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
        for name in ("environ", "cmdline"):
            seen[f"{pid}/{name}"] = _read(f"/proc/{pid}/{name}")
        if pid != str(os.getpid()):
            seen[f"{pid}/memory"] = _memory(pid)
    return seen
'''

# The kernel's socket folder, filled: 5 files of 60 MB each (each under its 64 MiB file cap).
FILL = r'''
import json, os
from ipykernel import get_connection_file
sockets = os.path.dirname(json.load(open(get_connection_file()))["ip"])
written = 0
for i in range(5):
    try:
        with open(os.path.join(sockets, f"planted-{i}"), "wb") as handle:
            for _ in range(60):
                handle.write(b"x" * 10**6)
                written += 10**6
    except OSError as exc:
        print(type(exc).__name__)
print("written", written, "into", sockets)
'''


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        found.append(here)
        for task in Path(f"/proc/{here}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def _environments(pid: int) -> str:
    """The environ of ``pid`` and of every process below it, read by the host (root: all of them)."""
    texts = []
    for each in _descendants(pid):
        try:
            texts.append(Path(f"/proc/{each}/environ").read_bytes().decode("latin-1"))
        except OSError:
            continue
    return "\n".join(texts)


def _leaked(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandbox", "no-sandbox"])
def test_every_process_running_student_code_starts_without_the_graders_secrets(tmp_path, monkeypatch, sandboxed):
    """Do bwrap, the wrappers around it and everything inside start with the allow-list only, for
    the verdict's worker and nbgrader's kernel, and without a sandbox (--no-sandbox) too? (Before:
    bwrap and the kernel's wrappers got the grader's whole environment, the token with it; the
    unsandboxed kernel ran with it.)"""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    caller = WorkerCaller(write_notebook(tmp_path, "def f():\n    return 1.0\n"), LIMITS, sandboxed=sandboxed)
    try:
        assert caller("f") == 1.0
        worker_env = _environments(caller.worker._proc.pid)
    finally:
        caller.close()
    monkeypatch.setattr(SandboxedKernelManager, "sandboxed", sandboxed)
    client = NotebookClient(new_notebook(cells=[new_code_cell("1 + 1")]), timeout=60,
                            kernel_manager_class=SandboxedKernelManager,
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        client.execute_cell(client.nb.cells[0], 0)
        kernel_env = _environments(client.km.provisioner.process.pid)
    assert "PATH=" in worker_env and "PATH=" in kernel_env  # the probe read them
    assert _leaked(worker_env) == [] and _leaked(kernel_env) == []


AS_USER_SCRIPT = r'''
import json, os, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from autograder.calls import WorkerCaller
from autograder.sandbox import Limits
from deepgrad.adapters.kernel import SandboxedKernelManager

folder, snoop = Path(sys.argv[1]), sys.argv[2]
caller = WorkerCaller(folder / "snoop.ipynb", Limits(call_seconds=30, start_seconds=60))
try:
    worker = {"sandboxed": caller.worker.sandboxed, "seen": caller("snoop"), "load": caller.load_errors}
finally:
    caller.close()
nb = new_notebook(cells=[new_code_cell(snoop + "\nimport json\nprint(json.dumps(snoop()))"),
                         new_code_cell("import os\nos.environ"), new_code_cell(sys.argv[3])])
client = NotebookClient(nb, timeout=120, kernel_manager_class=SandboxedKernelManager,
                        resources={"metadata": {"path": str(folder)}})
with client.setup_kernel():
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)
    sockets = Path(client.km._sockets)
    host_bytes = sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(sockets) for f in files)
print(json.dumps({"grader": os.geteuid(), "worker": worker, "kernel": nbformat.writes(nb),
                  "host_bytes": host_bytes, "left": sockets.exists()}))
'''


def test_an_ordinary_user_s_secrets_and_host_stay_out_of_reach():
    """Graded by an ordinary user whose environment holds a JupyterHub API token (and other
    secrets), does student code that prints os.environ and reads /proc/*/environ, cmdline and
    memory find none of them -- in what the verdict's worker returns (its messages) and in the
    kernel's notebook (the autograded notebook, the feedback)? And does filling the kernel's
    socket folder with 5 files of 60 MB leave the host with almost nothing, and nothing after?
    (Before: the token showed in /proc/1/environ, bwrap's init's, as the same uid; the socket
    folder was the host's /dev/shm, and took the 300 MB.)"""
    def prepare(folder, ids):
        write_notebook(folder, SNOOP, name="snoop.ipynb")
        (folder / "home").mkdir()
        for path in (folder, folder / "home", folder / "snoop.ipynb"):
            os.chown(path, *ids)

    env = {**os.environ, **SECRETS, "HOME": "{folder}/home"}
    ids, done = run_as_ordinary_user("deepgrad-secrets-", prepare, AS_USER_SCRIPT, "{folder}", SNOOP, FILL,
                                     env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["grader"] == ids[0] and result["worker"]["sandboxed"] is True
    seen = result["worker"]["seen"]
    assert "PATH=" in seen["1/environ"]  # bwrap's init is readable as the same uid: the probe works
    assert _leaked(done.stdout) == [], "a planted secret reached student code"
    assert "written" in result["kernel"]  # the fill cell ran
    assert result["host_bytes"] < 2**20, f"the host kept {result['host_bytes']} bytes of the kernel's"
    assert result["left"] is False


# A fake forbidden package, in a package folder of a prefix the worker's view shows whole.
PROBE_LIBRARY = r'''
import importlib.util, os, sys

def reach(site, name):
    """Every way to the package ``name`` planted in ``site``: what each found."""
    found = {"listing": sorted(os.listdir(site)) if os.path.isdir(site) else "absent"}
    sys.path.append(site)
    sys.modules.pop(name, None)
    try:
        module = __import__(name)
        found["import"] = [getattr(module, "PLANTED", None), str(getattr(module, "__file__", None))]
    except ImportError as exc:
        found["import"] = type(exc).__name__
    finally:
        sys.path.remove(site)
    try:
        spec = importlib.util.spec_from_file_location(name, os.path.join(site, name, "__init__.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found["from_file"] = getattr(module, "PLANTED", None)
    except (OSError, ImportError, AttributeError) as exc:
        found["from_file"] = type(exc).__name__
    try:
        found["binary"] = open(os.path.join(site, name, "_core.so"), "rb").read().decode()
    except OSError as exc:
        found["binary"] = type(exc).__name__
    return found
'''


def _writable_prefix_folder() -> Path | None:
    """A fresh folder under the base interpreter's prefix (bound whole in the worker's view), or
    None where this user may not write there."""
    lib = Path(sys.base_prefix) / "lib"
    if not os.access(lib, os.W_OK):
        return None
    folder = Path(tempfile.mkdtemp(prefix="deepgrad-planted-", dir=lib))
    folder.chmod(0o755)  # open to the sandbox's user, as an installed package's folder is
    return folder


def test_library_folders_off_sys_path_are_empty_in_the_worker(tmp_path):
    """A package folder the interpreter's clean sys.path does not use, under a prefix the worker's
    view shows whole (here a fresh one in the base interpreter's, holding a fake forbidden
    package): is it empty to student code, however it reaches for the package -- sys.path,
    spec_from_file_location, reading its files? And is the base interpreter's own site-packages
    (scipy, where installed there) just as empty? (Before: the base prefix was bound whole with
    its site-packages, and `sys.path.append(...)` imported scipy.)"""
    planted_root = _writable_prefix_folder()
    if planted_root is None:
        pytest.skip(f"{sys.base_prefix}/lib is not writable by this user: no package can be planted")
    name = "sci" + "py"  # a forbidden library (written so, the notebook reader sees no import of it)
    site = planted_root / "lib" / "python3" / "site-packages"
    try:
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text("PLANTED = 'reached'\n")
        (site / name / "_core.so").write_text("reached")
        bubblewrap._package_folders.cache_clear()  # the folder is new to this process
        caller = WorkerCaller(write_notebook(tmp_path, PROBE_LIBRARY), LIMITS)
        try:
            found = caller("reach", str(site), name)
            base_sites = [p for p in Path(sys.base_prefix).glob("lib/python3*/site-packages")
                          if (p / name / "__init__.py").is_file() and sys.prefix != sys.base_prefix]
            base = [caller("reach", str(p), name) for p in base_sites]
        finally:
            caller.close()
    finally:
        shutil.rmtree(planted_root, ignore_errors=True)
        bubblewrap._package_folders.cache_clear()
    for each in (found, *base):
        assert each["listing"] == [], each
        assert each["import"] == "ModuleNotFoundError" or each["import"][0] is None, each
        assert each["from_file"] in ("FileNotFoundError", "AttributeError"), each
        assert each["binary"] == "FileNotFoundError", each
    (tmp_path / "plain").mkdir()
    plain = WorkerCaller(write_notebook(tmp_path / "plain", PROBE_LIBRARY), LIMITS, sandboxed=False)
    try:  # the planted contrast: without the sandbox the same probe reaches what it planted
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text("PLANTED = 'reached'\n")
        (site / name / "_core.so").write_text("reached")
        assert plain("reach", str(site), name)["from_file"] == "reached"
    finally:
        plain.close()
        shutil.rmtree(planted_root, ignore_errors=True)
