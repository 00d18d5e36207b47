"""Starting, talking to and stopping the worker process that runs student code.

The worker runs in its own session (so it and anything it starts can be killed together) under
resource limits: address space, file size, CPU time, no core dumps. Where Linux allows it, it also
gets its own PID namespace (when the worker ends, every process it started ends with it, even one
that left its session) and an empty network namespace (no network access). A request that does not get
its answer in time kills the worker; the next request starts a fresh one.
"""
from __future__ import annotations

import functools
import os
import resource
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .channel import dumps, loads

WORKER_SCRIPT = Path(__file__).resolve().parent / "worker.py"
MAX_REPLY_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 10.0      # wall time for one call of a student function
    start_seconds: float = 60.0     # wall time to import and run the notebook's answer cells
    memory_bytes: int = 4 * 2**30   # address space of the worker
    output_bytes: int = 8 * 2**20   # the student's printed output
    cpu_seconds: int = 600          # the worker's whole life
    max_processes: int = 64         # processes and threads alive at once (where a cgroup allows)


class WorkerGone(Exception):
    """The worker ended or stopped answering; ``reason`` says how, for the student."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


# Hides each path named before "--" (a directory under an empty tmpfs, a file under /dev/null),
# then runs the command after it.
_HIDE_LOOP = (
    'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do '
    'if [ -d "$1" ]; then mount -t tmpfs -o size=16k,mode=0755 deepgrad-hidden "$1" || exit 97; '
    'elif [ -e "$1" ]; then mount --bind /dev/null "$1" || exit 97; fi; shift; done; shift; ')
# As the PID namespace's PID 1 the shell waits for the worker instead of exec'ing it: PID 1 would
# ignore signals the student's code sends itself. A death by signal N is reported as 128 + N.
HIDE_SCRIPT = _HIDE_LOOP + '"$@"; status=$?; exit $status'
HIDE_AND_EXEC_SCRIPT = _HIDE_LOOP + 'exec "$@"'
HIDE_FAILED = 97


def _first_working(prefixes, script: str) -> tuple[str, ...]:
    for prefix in prefixes:
        init = ("/bin/sh", "-c", script, "deepgrad-init")
        try:  # root may unshare directly; other users only where user namespaces are enabled
            if subprocess.run([*prefix, *init, "--", "true"], capture_output=True, timeout=10).returncode == 0:
                return (*prefix, *init)
        except (OSError, subprocess.TimeoutExpired):
            continue
    return ()


@functools.cache
def isolation_prefix() -> tuple[str, ...]:
    """The ``unshare`` command that isolates the worker here (own PID, network and mount
    namespaces), or () where the OS does not allow it. Hidden paths and ``--`` follow it."""
    unshare = shutil.which("unshare")
    if sys.platform != "linux" or unshare is None:
        return ()
    isolate = ("--pid", "--fork", "--net", "--mount", "--kill-child=SIGKILL")
    return _first_working(((unshare, *isolate), (unshare, "--user", "--map-root-user", *isolate)), HIDE_SCRIPT)


@functools.cache
def hiding_prefix() -> tuple[str, ...]:
    """Only a private mount namespace, exec'ing the command in the same process (so a Jupyter
    kernel keeps its PID, its signals and its network); () where the OS does not allow it."""
    unshare = shutil.which("unshare")
    if sys.platform != "linux" or unshare is None:
        return ()
    return _first_working(((unshare, "--mount"), (unshare, "--user", "--map-root-user", "--mount")),
                          HIDE_AND_EXEC_SCRIPT)


# What student code may still see of a course folder: the release, the toolkit and the data.
VISIBLE_IN_COURSE = frozenset({"assignments", "autograder", "dlkit", "source_data", "README.md",
                               "pyproject.toml", "nbgrader_config.py"})


def secret_paths(*roots: Path) -> list[Path]:
    """Everything in the given course folders that student code must not read or write: the
    solutions, other submissions, the gradebook, git history, tests..."""
    found = []
    for root in dict.fromkeys(Path(r).resolve() for r in roots):
        if root.is_dir():
            found += [entry for entry in sorted(root.iterdir())
                      if entry.name not in VISIBLE_IN_COURSE and not _holds_the_interpreter(entry)]
    return found


def _holds_the_interpreter(entry: Path) -> bool:
    """Whether ``entry`` holds the Python that runs student code (a virtualenv made inside the
    course folder, as `.ci/run` does): hiding it would leave the worker and kernel no Python."""
    needed = {Path(sys.executable).resolve(), *(Path(p).resolve() for p in (sys.prefix, sys.exec_prefix))}
    entry = entry.resolve()
    return any(path == entry or entry in path.parents for path in needed)


class ProcessGroupLimit:
    """A pids cgroup capping how many processes the worker and its children may hold at once
    (a fork bomb then gets "Resource temporarily unavailable"). RLIMIT_NPROC cannot do this for
    root, and counts every process of the user. Inert where no writable pids cgroup exists."""

    def __init__(self, max_processes: int):
        self.path = None
        base = self._hierarchy()
        if base is None:
            return
        try:
            path = base / f"deepgrad-{secrets.token_hex(6)}"
            path.mkdir()
            (path / "pids.max").write_text(str(max_processes))
            self.path = path
        except OSError:
            self.remove()

    @staticmethod
    def _hierarchy() -> Path | None:
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            _, controllers, where = line.split(":", 2)
            if "pids" in controllers.split(","):       # cgroup v1
                base = Path("/sys/fs/cgroup/pids") / where.lstrip("/")
            elif controllers == "" and "pids" in _read(Path("/sys/fs/cgroup/cgroup.subtree_control")):
                base = Path("/sys/fs/cgroup") / where.lstrip("/")  # cgroup v2
            else:
                continue
            if os.access(base, os.W_OK):
                return base
        return None

    def join(self) -> None:  # runs in the child between fork and exec
        if self.path is not None:
            (self.path / "cgroup.procs").write_text("0")

    def kill(self) -> None:
        """SIGKILL every process in the group (again while a forking one keeps adding more)."""
        if self.path is None:
            return
        for _ in range(20):
            pids = _read(self.path / "cgroup.procs").split()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        if self.path is None:
            return
        self.kill()
        for _ in range(50):
            try:
                self.path.rmdir()
                break
            except OSError:
                time.sleep(0.02)
        self.path = None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _child_environment() -> dict:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    return env


def _describe_exit(code: int, limits: Limits) -> str:
    if code == HIDE_FAILED and isolation_prefix():
        return "the grader could not hide the course's private files from your code (mount failed)"
    if code > 128 and isolation_prefix() and code - 128 in signal.valid_signals():
        code = -(code - 128)  # the namespace's init shell reports a signal as 128 + N
    if code < 0:
        sig = signal.Signals(-code).name
        hint = {"SIGKILL": " (often: it used too much memory or time)",
                "SIGXCPU": f" (it used more than {limits.cpu_seconds} s of CPU time)",
                "SIGSEGV": " (a crash inside a library, often from running out of memory)"}
        return f"the process running your code was killed by {sig}{hint.get(sig, '')}"
    return f"the process running your code exited with status {code} (sys.exit or os._exit?)"


# Answer cells that never finish loading are left out, one restart each, up to this many (each
# costs start_seconds); a notebook with more does not load at all.
MAX_SKIPPED_CELLS = 3


class Worker:
    """One worker process serving one notebook."""

    def __init__(self, notebook: Path, limits: Limits = Limits(), hide: tuple[Path, ...] = ()):
        self.notebook = Path(notebook).resolve()
        self.limits = limits
        self.hide = tuple(hide)       # paths the student's code must not see (grading only)
        self._tmp = tempfile.TemporaryDirectory(prefix="deepgrad-worker-")
        self._proc: subprocess.Popen | None = None
        self._group: ProcessGroupLimit | None = None
        self.skipped: dict[int, str] = {}   # cells left out because they never finished loading
        self._buffer = b""
        self.load_report: dict | None = None

    def _set_limits(self) -> None:  # runs in the child between fork and exec
        limits = self.limits
        if self._group is not None:
            self._group.join()
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def start(self) -> dict:
        """Start the worker on a private copy of the notebook, in an empty working folder."""
        output = os.path.join(self._tmp.name, "student-output.txt")
        workdir = Path(self._tmp.name) / "work"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir()
        copy = Path(self._tmp.name) / self.notebook.name
        if self.notebook.is_file():
            shutil.copyfile(self.notebook, copy)
        prefix = isolation_prefix()
        hide = (*(str(p) for p in self.hide), "--") if prefix else ()
        self._group = ProcessGroupLimit(self.limits.max_processes)
        skip = ",".join(str(i) for i in sorted(self.skipped))
        self._proc = subprocess.Popen(
            [*prefix, *hide, sys.executable, "-I", str(WORKER_SCRIPT), str(copy), output, skip],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=workdir, env=_child_environment(), start_new_session=True,
            preexec_fn=self._set_limits)
        self._buffer = b""
        deadline = time.monotonic() + self.limits.start_seconds
        report, loading = {"status": "loading"}, None
        while report.get("status") == "loading":
            loading = report
            try:
                report = self._read(max(deadline - time.monotonic(), 0.0), "loading the notebook",
                                    limit=self.limits.start_seconds)
            except WorkerGone as gone:
                if not gone.timed_out or "cell" not in loading or len(self.skipped) >= MAX_SKIPPED_CELLS:
                    raise
                # One cell never finished (an endless loop at load time): load again without it,
                # so that only the functions it defines are missing.
                self.skipped[loading["cell"]] = (f"{loading['label']} did not finish loading within "
                                                 f"{self.limits.start_seconds:g} s and was left out "
                                                 "(an endless loop outside any function?)")
                return self.start()
        if isinstance(report.get("message"), str):  # name the student's file, not the private copy
            report["message"] = report["message"].replace(str(copy), str(self.notebook))
        report.setdefault("load_errors", [])
        report["load_errors"] += [{"cell": "", "traceback": why} for why in self.skipped.values()]
        self.load_report = report
        return report

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def request(self, message: dict) -> dict:
        """Send one request; its reply, matched by a fresh id (stray lines are dropped)."""
        if not self.running:
            self.start()
        request_id = secrets.token_hex(8)
        self._buffer = b""  # nothing written before this request can answer it
        try:
            self._proc.stdin.write(dumps({**message, "id": request_id}))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerGone(self._ended()) from None
        deadline = time.monotonic() + self.limits.call_seconds
        while True:
            reply = self._read(max(deadline - time.monotonic(), 0.0), "this call",
                               limit=self.limits.call_seconds)
            if reply.get("id") == request_id:
                return reply

    def _read(self, seconds: float, what: str, limit: float | None = None) -> dict:
        limit = seconds if limit is None else limit
        deadline = time.monotonic() + seconds
        fd = self._proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.stop()
                    raise WorkerGone(f"{what} took longer than {limit:g} s "
                                     "(an endless loop?) and was stopped", timed_out=True)
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise WorkerGone(self._ended())
                self._buffer += chunk
                if len(self._buffer) > MAX_REPLY_BYTES:
                    self.stop()
                    raise WorkerGone("the value returned was too large to check")
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return loads(line)
        except ValueError:
            self.stop()
            raise WorkerGone("the process running your code sent something unreadable") from None

    def _ended(self) -> str:
        code = self._proc.wait(timeout=5)
        self.stop()
        return _describe_exit(code, self.limits)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        if self._group is not None:
            self._group.remove()
            self._group = None
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()
