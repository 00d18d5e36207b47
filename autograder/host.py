"""One sandbox for all the notebooks of a self-check, each loaded in a fresh process of its own.

``pytest autograder`` checks one notebook per assignment, one after another. A sandboxed worker of its
own for each (:class:`autograder.sandbox.Worker`) starts an interpreter, imports numpy, matplotlib
and the toolkit, and only then loads the notebook: about 0.3 s of CPU each time, most of a
whole-course run. Here one sandbox is started (:class:`WorkerHost`) whose first process, the
*host* (``worker.py --host``), imports those once and runs no notebook code itself. For each
notebook it forks a copy of itself, which loads that notebook and serves its calls as a worker
does, on the host's channel. When the self-check moves to the next notebook, the grader asks that
copy to end; the host then kills every other process in the sandbox and empties its ``/tmp`` and
``/dev/shm`` before it forks the next copy. So each notebook still:

- starts in a process in which no other notebook's code has run (a fork of the host, whose own
  code and imports are the grader's), and ends with everything it started;
- sees only itself of the submission: the sandbox's view holds one folder of notebooks, into
  which the grader copies the notebook being loaded, after removing the one before;
- has the worker's limits: the same sandbox (bubblewrap, no network, its own PID namespace, the
  same read-only view), a cgroup for its processes and memory, the same resource limits;
- is stopped and restarted as a worker is: a call that times out, a crash, an exit or a reply too
  large kills the whole sandbox, and the next request starts a fresh one. A notebook's copy that
  ends in any way but the grader's ``end`` ends the host with the same status, so the grader
  reads that status from bwrap, as it does a worker's.

The host is not dumpable (a copy cannot trace it or read its memory). Where no sandbox can be
made, the self-check keeps one plain worker per notebook instead (the host needs a PID namespace of
its own to clean up between notebooks). Grading keeps one worker per submission.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import bubblewrap
from .channel import dumps
from .messages import say
from .resources import ResourceGroup
from .sandbox import (PACKAGE_ROOT, WORKER_SCRIPT, Limits, Worker, WorkerGone, kill_sandbox, sandbox_missing,
                      set_limits, toolkit_paths)

OUTPUT = "/tmp/student-output.txt"  # each notebook's printed output, in the sandbox's own /tmp
CLOSE_SECONDS = 2.0  # how long the host may take to end on its own at close before it is killed
START_ATTEMPTS = 2   # launches of a host that ends before it is ready (see WorkerHost._await_ready)


class WorkerHost:
    """The sandbox that loads a self-check's notebooks one after another (see the module)."""

    def __init__(self, limits: Limits = Limits()):
        self.limits = limits
        self._tmp = tempfile.TemporaryDirectory(prefix="deepgrad-host-")
        self.folder = Path(self._tmp.name) / "notebook"  # in the view: the one notebook being loaded
        self.folder.mkdir()
        self.folder.chmod(0o755)
        self._proc: subprocess.Popen | None = None
        self._group: ResourceGroup | None = None
        self._ready = False  # the host said it is ready (it says so once, when its imports are done)
        self._command: list[str] | None = None
        self.current: HostedWorker | None = None  # whose notebook the host's copy serves now

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def load(self, worker: HostedWorker) -> Path:
        """Have the host fork a copy that loads ``worker``'s notebook (the copy's reports are
        ``worker``'s to read); the path of the notebook's copy, as the sandbox sees it."""
        if self.current is not None:  # (worker's own notebook too: it is loaded afresh)
            self.release(self.current)
        if not self._alive():
            self.kill()
            self.launch()
        self.current = worker
        worker._proc, worker._buffer = self._proc, b""
        if not self._ready:
            report = self._await_ready(worker)
            if report.get("status") != "ready":
                self.kill()
                raise WorkerGone(say("the process running your code sent something unreadable"))
            self._ready = True
        for old in self.folder.iterdir():
            old.unlink()
        copy = self.folder / worker.notebook.name
        if worker.notebook.is_file():
            shutil.copyfile(worker.notebook, copy)
            copy.chmod(0o644)  # the sandbox's unprivileged user reads it
        try:
            self._proc.stdin.write(dumps({"op": "load", "notebook": str(copy), "skip": sorted(worker.skipped)}))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerGone(worker._ended()) from None
        return copy

    def command(self) -> list[str]:
        """bwrap's command line for the host's sandbox: the same at every launch, so made once
        (finding the package folders to hide walks the system's folders)."""
        if self._command is None:
            argv = [sys.executable, "-I", str(WORKER_SCRIPT), "--host", OUTPUT]
            view = bubblewrap.View(readable=(*toolkit_paths(), self.folder), hidden_libraries=True,
                                   masked=(PACKAGE_ROOT,))
            self._command = bubblewrap.command(argv, view)
        return self._command

    def _await_ready(self, worker: HostedWorker) -> dict:
        """The launched host's first report, read as ``worker``'s. A host that ends before it has
        run nothing but its own imports (no notebook code yet): a sandbox that could not start
        (bwrap can fail to make one on a machine short of processes or namespaces for a moment) is
        launched again, up to START_ATTEMPTS launches in all. One that takes too long is not."""
        for _ in range(START_ATTEMPTS - 1):
            try:
                return worker._read(self.limits.start_seconds, say("loading the notebook"))
            except WorkerGone as gone:
                if gone.timed_out:
                    raise
            self.kill()
            self.launch()
            self.current = worker
            worker._proc, worker._buffer = self._proc, b""
        return worker._read(self.limits.start_seconds, say("loading the notebook"))  # the last launch's

    def launch(self) -> None:
        """Start the sandbox, without waiting for it: the host imports while the grader goes on
        (:meth:`load` reads its "ready")."""
        command = self.command()
        group = self._group = ResourceGroup(self.limits.max_processes, self.limits.memory_bytes)
        self._ready = False
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, cwd=self._tmp.name, env=bubblewrap.launch_environment(),
            start_new_session=True, preexec_fn=lambda: set_limits(self.limits, group))

    def release(self, worker: HostedWorker) -> None:
        """End ``worker``'s copy, leaving the host ready for the next notebook (the whole sandbox
        if the copy does not end when asked)."""
        if self.current is not worker:
            return
        if worker.running:
            try:
                ended = worker.request({"op": "end"}).get("status") == "ready"
            except WorkerGone:
                ended = False
            if not ended:
                self.kill()
        if self.current is worker:
            self.current = None
        worker._proc = None

    def expire(self) -> None:
        """Kill the sandbox now, from any thread (:meth:`kill` still reaps it)."""
        kill_sandbox(self._proc, self._group)

    def kill(self) -> None:
        """Kill the sandbox and everything in it; the next load starts a fresh one."""
        proc, self._proc = self._proc, None
        current, self.current = self.current, None
        self._ready = False
        if current is not None:
            current._proc = None
        if proc is not None:
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
        if self._group is not None:
            self._group.remove()
            self._group = None

    def close(self) -> None:
        """End the sandbox: the copy and then the host end on their own at the channel's end, and
        whatever is left is killed. (Ended so, their CPU time reaches whoever reaps bwrap's init,
        which bwrap itself does not wait for: a child subreaper such as bench/selfcheck.py. A
        sandbox killed takes its CPU time with it.)"""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()
                proc.wait(timeout=CLOSE_SECONDS)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        self._tmp.cleanup()


class HostedWorker(Worker):
    """A notebook's worker whose process is a copy forked by a :class:`WorkerHost`."""

    def __init__(self, notebook: Path, host: WorkerHost):
        super().__init__(notebook, host.limits, sandboxed=True)
        self.host = host

    def _launch(self) -> Path:
        return self.host.load(self)

    @property
    def running(self) -> bool:
        return self.host.current is self and super().running

    def expire(self, reason: str) -> None:
        self.expired = reason
        if self.host.current is self:
            self.host.expire()

    def stop(self) -> None:
        if self.host.current is self:
            self.host.kill()
        self._proc = None

    def close(self) -> None:
        self.host.release(self)
        self._proc = None
        self._tmp.cleanup()


class EarlySandbox:
    """The self-check's sandbox (:class:`WorkerHost`), begun as pytest is configured
    (``autograder/conftest.py``): a thread runs the bwrap probe
    (:func:`autograder.sandbox.sandbox_missing`) and meanwhile makes the host's command line;
    :meth:`launch`, called from the main thread as collection begins, starts the host, whose
    interpreter then imports numpy and the toolkit while pytest collects the checks (a tenth of a
    one-assignment run). (Not from the thread: the host is started with a ``preexec_fn``, which
    CPython warns may deadlock in a child forked beside other threads.) ``host()`` gives the host,
    or None where no sandbox can be made; closed at the end if no check took it."""

    def __init__(self):
        self._host: WorkerHost | None = None
        self._error: BaseException | None = None
        self._launched = False
        self.taken = False
        self._thread = threading.Thread(target=self._prepare, name="deepgrad-sandbox-start", daemon=True)
        self._thread.start()

    def _prepare(self) -> None:
        try:
            host = WorkerHost()
            making = threading.Thread(target=self._make_command, args=(host,), daemon=True)
            making.start()
            missing = sandbox_missing()  # (the probe: a sandbox of its own, waited for here)
            making.join()
            if missing:
                host.close()
                return
            self._host = host
        except BaseException as exc:  # said where the host is taken, in the main thread
            self._error = exc

    @staticmethod
    def _make_command(host: WorkerHost) -> None:
        try:
            host.command()
        except Exception:  # noqa: BLE001 -- no sandbox here: the probe says why, launch() raises
            pass

    def launch(self) -> None:
        """Start the host (once), in the calling thread; a failure is raised by :meth:`host`."""
        self._thread.join()
        if self._launched or self._host is None or self._error is not None:
            return
        self._launched = True
        try:
            self._host.launch()
        except Exception as exc:  # noqa: BLE001 -- raised where the host is taken
            self._error = exc

    def host(self) -> WorkerHost | None:
        self.launch()
        self.taken = True
        if self._error is not None:
            raise self._error
        return self._host

    def close(self) -> None:
        self._thread.join()
        if self._host is not None:
            self._host.close()
