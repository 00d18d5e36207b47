"""Starting, talking to and stopping the worker process that runs student code.

The worker runs inside a bubblewrap sandbox (:mod:`autograder.bubblewrap`: no network, its own
PID namespace, a read-only view of only the interpreter, the course's toolkit and its one
notebook, an unprivileged user), in a cgroup that bounds its processes and the memory of its whole
tree (:mod:`autograder.resources`), and under resource limits: address space, file size, CPU time,
no core dumps. A request that does not get its answer in time kills the worker and everything it
started; the next request starts a fresh one. Where no sandbox can be made (macOS, Windows, user
namespaces disabled) the worker runs with the resource limits only: see :func:`sandbox_missing`.
The self-check's workers are copies forked, one notebook after another, by one such sandbox
(:mod:`autograder.host`).
"""
from __future__ import annotations

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

from . import bubblewrap
from .channel import MAX_MESSAGE_BYTES, dumps, loads
from .messages import say
from .notebook import cell_label
from .resources import ResourceGroup

WORKER_SCRIPT = Path(__file__).resolve().parent / "worker.py"


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 10.0      # wall time for one call of a student function
    start_seconds: float = 60.0     # wall time to import and run the notebook's answer cells
    memory_bytes: int = 4 * 2**30   # each process's address space; the whole sandbox's where a cgroup allows
    output_bytes: int = 8 * 2**20   # the student's printed output
    cpu_seconds: int = 600          # the worker's whole life
    max_processes: int = 64         # processes and threads alive at once (where a cgroup allows)


class WorkerGone(Exception):
    """The worker ended or stopped answering; ``reason`` says how, for the student."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


# The folder the autograder package lives in; in a checkout it holds the course too.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# What of it student code may see: the toolkit its notebooks import and the lessons' data.
TOOLKIT = ("autograder", "dlkit", "source_data")


def toolkit_paths() -> tuple[Path, ...]:
    return tuple(PACKAGE_ROOT / name for name in TOOLKIT if (PACKAGE_ROOT / name).exists())


def sandbox_missing() -> str:
    """Why student code runs without the sandbox here, or "" when it runs inside one."""
    return bubblewrap.unavailable()


def plain_environment() -> dict:
    """The unsandboxed worker's and kernel's environment (where no sandbox can be had): the
    sandbox's allow-list with the grader's own PATH, HOME and TMPDIR (not secrets; it runs as the
    grader), never the rest of it. With no PID namespace to end them, its processes carry the
    test run's marker, if any, so that leftovers are found."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", bubblewrap.RUN_MARKER)
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return {**env, **{k: v for k, v in bubblewrap.environment().items()
                      if k not in ("PATH", "HOME", "TMPDIR", "MPLCONFIGDIR", "IPYTHONDIR")}}


def _describe_exit(code: int, limits: Limits, sandboxed: bool) -> str:
    if code > 128 and sandboxed and code - 128 in signal.valid_signals():
        code = -(code - 128)  # bwrap reports its command's death by signal N as 128 + N
    if code < 0:
        sig = signal.Signals(-code).name
        why = (say(" (often: it used too much memory or time)") if sig == "SIGKILL"
               else say(" (it used more than {seconds} s of CPU time)", seconds=limits.cpu_seconds) if sig == "SIGXCPU"
               else say(" (a crash inside a library, often from running out of memory)") if sig == "SIGSEGV"
               else "")
        return say("the process running your code was killed by {signal}{why}", signal=sig, why=why)
    return say("the process running your code exited with status {code} (sys.exit or os._exit?)", code=code)


def _loading_cell(report: dict) -> str:
    """The cell a worker's "loading" report names, said here from its position and grade id (the
    report is data: its own label, cut, if the grade id is not a string)."""
    grade_id = report.get("grade_id")
    if type(grade_id) is str:
        return cell_label(report["cell"], grade_id[:200])
    return str(report.get("label"))[:200]


def set_limits(limits: Limits, group: ResourceGroup | None) -> None:
    """In the child between fork and exec: join the cgroup, set the resource limits."""
    if group is not None:
        group.join()
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# Answer cells that never finish loading are left out, one restart each, up to this many (each
# costs start_seconds); a notebook with more does not load at all.
MAX_SKIPPED_CELLS = 3


class Worker:
    """One worker process serving one notebook."""

    def __init__(self, notebook: Path, limits: Limits = Limits(), sandboxed: bool | None = None):
        self.notebook = Path(notebook).resolve()
        self.limits = limits
        # None: in the sandbox wherever one can be made; False only when the instructor said so
        self.sandboxed = not sandbox_missing() if sandboxed is None else sandboxed
        self._tmp = tempfile.TemporaryDirectory(prefix="deepgrad-worker-")
        self._proc: subprocess.Popen | None = None
        self._group: ResourceGroup | None = None
        self.skipped: dict[int, str] = {}   # cells left out because they never finished loading
        self.expired = ""                   # why no worker may start again (its time is up)
        self._buffer = b""
        self.load_report: dict | None = None

    def _set_limits(self) -> None:  # runs in the child between fork and exec
        set_limits(self.limits, self._group)

    def _command(self, copy: Path) -> tuple[list[str], Path, dict]:
        """The worker's command line, working folder and environment, sandboxed or not."""
        skip = ",".join(str(i) for i in sorted(self.skipped))
        if self.sandboxed:  # output and working folder: the sandbox's own /tmp
            argv = [sys.executable, "-I", str(WORKER_SCRIPT), str(copy), "/tmp/student-output.txt", skip]
            view = bubblewrap.View(readable=(*toolkit_paths(), copy), hidden_libraries=True,
                                   masked=(PACKAGE_ROOT,))
            # bwrap's own environment too: its init (PID 1 inside) keeps it, readable from inside
            # when an ordinary user grades.
            return bubblewrap.command(argv, view), Path(self._tmp.name), bubblewrap.launch_environment()
        workdir = Path(self._tmp.name) / "work"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir()
        output = str(Path(self._tmp.name) / "student-output.txt")
        return ([sys.executable, "-I", str(WORKER_SCRIPT), str(copy), output, skip], workdir,
                plain_environment())

    def _launch(self) -> Path:
        """Start the process that loads a private copy of the notebook; the copy's path."""
        copy = Path(self._tmp.name) / self.notebook.name
        if self.notebook.is_file():
            shutil.copyfile(self.notebook, copy)
            copy.chmod(0o644)  # the sandbox's unprivileged user reads it
        argv, cwd, env = self._command(copy)
        self._group = ResourceGroup(self.limits.max_processes, self.limits.memory_bytes)
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=cwd, env=env, start_new_session=True, preexec_fn=self._set_limits)
        self._buffer = b""
        return copy

    def start(self) -> dict:
        """Start the worker on a private copy of the notebook."""
        if self.expired:
            raise WorkerGone(self.expired, timed_out=True)
        copy = self._launch()
        deadline = time.monotonic() + self.limits.start_seconds
        report, loading = {"status": "loading"}, None
        while report.get("status") == "loading":
            loading = report
            try:
                report = self._read(max(deadline - time.monotonic(), 0.0), say("loading the notebook"),
                                    limit=self.limits.start_seconds)
            except WorkerGone as gone:
                if (not gone.timed_out or type(loading.get("cell")) is not int  # a forged one: data only
                        or len(self.skipped) >= MAX_SKIPPED_CELLS):
                    raise
                # One cell never finished (an endless loop at load time): load again without it,
                # so that only the functions it defines are missing.
                self.skipped[loading["cell"]] = say(
                    "{cell} did not finish loading within {seconds:g} s and was left out (an endless loop "
                    "outside any function?)", cell=_loading_cell(loading), seconds=self.limits.start_seconds)
                return self.start()
        if isinstance(report.get("message"), str):  # name the student's file, not the private copy
            report["message"] = report["message"].replace(str(copy), str(self.notebook))
        if not isinstance(report.get("load_errors", []), list):  # a forged report: data, not trusted
            self.stop()
            raise WorkerGone(say("the process running your code sent something unreadable"))
        report["load_errors"] = [*report.get("load_errors", []),
                                 *({"cell": "", "traceback": why} for why in self.skipped.values())]
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
            reply = self._read(max(deadline - time.monotonic(), 0.0), say("this call"),
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
                    raise WorkerGone(say("{what} took longer than {limit:g} s (an endless loop?) and was stopped",
                                         what=what, limit=limit), timed_out=True)
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise WorkerGone(self._ended())
                self._buffer += chunk
                if len(self._buffer) > MAX_MESSAGE_BYTES:
                    self.stop()
                    raise WorkerGone(say("the value returned was too large to check"))
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return loads(line)
        except ValueError:
            self.stop()
            raise WorkerGone(say("the process running your code sent something unreadable")) from None

    def _ended(self) -> str:
        code = self._proc.wait(timeout=5)
        self.stop()
        return _describe_exit(code, self.limits, self.sandboxed)

    def expire(self, reason: str) -> None:
        """End the sandbox now, from any thread, and start no other: its time is up. A call
        waiting on it gets WorkerGone; :meth:`stop` still reaps it."""
        self.expired = reason
        kill_sandbox(self._proc, self._group)

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


def kill_sandbox(proc: subprocess.Popen | None, group: ResourceGroup | None) -> None:
    """Kill a sandbox's whole process group, and every process of its cgroup, now (from any
    thread); reaping it is the caller's."""
    if proc is not None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if group is not None:
        group.kill()
