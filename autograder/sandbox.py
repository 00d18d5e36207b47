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


class WorkerGone(Exception):
    """The worker ended or stopped answering; ``reason`` says how, for the student."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


@functools.cache
def isolation_prefix() -> tuple[str, ...]:
    """The ``unshare`` command that isolates the worker here, or () where the OS does not allow it."""
    unshare = shutil.which("unshare")
    if sys.platform != "linux" or unshare is None:
        return ()
    isolate = ("--pid", "--fork", "--net", "--kill-child=SIGKILL")
    # A shell is the namespace's PID 1 and waits for the worker: PID 1 would ignore signals the
    # student's code sends itself. The shell reports a death by signal N as exit status 128 + N.
    init = ("/bin/sh", "-c", '"$@"; status=$?; exit $status', "deepgrad-init")
    for prefix in ((unshare, *isolate), (unshare, "--user", "--map-root-user", *isolate)):
        try:  # root may unshare directly; other users only where user namespaces are enabled
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return (*prefix, *init)
        except (OSError, subprocess.TimeoutExpired):
            continue
    return ()


def _child_environment() -> dict:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    return env


def _describe_exit(code: int, limits: Limits) -> str:
    if code > 128 and isolation_prefix() and code - 128 in signal.valid_signals():
        code = -(code - 128)  # the namespace's init shell reports a signal as 128 + N
    if code < 0:
        sig = signal.Signals(-code).name
        hint = {"SIGKILL": " (often: it used too much memory or time)",
                "SIGXCPU": f" (it used more than {limits.cpu_seconds} s of CPU time)",
                "SIGSEGV": " (a crash inside a library, often from running out of memory)"}
        return f"the process running your code was killed by {sig}{hint.get(sig, '')}"
    return f"the process running your code exited with status {code} (sys.exit or os._exit?)"


class Worker:
    """One worker process serving one notebook."""

    def __init__(self, notebook: Path, limits: Limits = Limits()):
        self.notebook = Path(notebook).resolve()
        self.limits = limits
        self._tmp = tempfile.TemporaryDirectory(prefix="deepgrad-worker-")
        self._proc: subprocess.Popen | None = None
        self._buffer = b""
        self.load_report: dict | None = None

    def _set_limits(self) -> None:  # runs in the child between fork and exec
        limits = self.limits
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def start(self) -> dict:
        output = os.path.join(self._tmp.name, "student-output.txt")
        self._proc = subprocess.Popen(
            [*isolation_prefix(), sys.executable, "-I", str(WORKER_SCRIPT), str(self.notebook), output],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.notebook.parent, env=_child_environment(), start_new_session=True,
            preexec_fn=self._set_limits)
        self._buffer = b""
        self.load_report = self._read(self.limits.start_seconds, "loading the notebook")
        return self.load_report

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
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()
