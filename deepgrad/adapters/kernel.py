"""The Jupyter kernel nbgrader's autograde runs a submission in: inside the bubblewrap sandbox.

nbgrader executes every cell of a submission in a kernel that, left alone, can read and write
anything the instructor can: the solutions, other students' work, the gradebook, the course's
config. Here the kernel starts in :mod:`autograder.bubblewrap`'s sandbox: it sees the interpreter,
the course's toolkit and its own autograded folder (read-only), talks to nbclient over Unix
sockets in a private folder (jupyter_client's ``ipc`` transport: no network at all, and no
"running over TCP without encryption" warning) made in a tiny folder of the sandbox's own, which
nbclient reaches through ``/proc/<pid>/root`` (:func:`autograder.bubblewrap.reach_inside`): no
host folder is writable from inside, so student code can leave nothing on the host whoever
grades. It runs as an unprivileged user, with the sandbox's environment only (bwrap and the
wrappers around it too: never the grader's, which may hold a JupyterHub token), and sits in a
cgroup (:mod:`autograder.resources`) capping its processes and its whole tree's memory, which also
lets :func:`capped_kernels` kill every process of a notebook that would never finish.
Scores do not come from this kernel anyway (:mod:`deepgrad.grading.verdict` decides them).
"""
from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import zmq
from jupyter_client.manager import AsyncKernelManager

from autograder import bubblewrap
from autograder.resources import ResourceGroup
from autograder.sandbox import PACKAGE_ROOT, plain_environment, toolkit_paths

LAZY_IMPORTS = "autograder.lazy_imports"
KERNEL_MEMORY_BYTES = 4 * 2**30
KERNEL_PROCESSES = 64
KERNEL_FILE_BYTES = 64 * 2**20  # any one file the kernel writes (without a sandbox: on the host's disk)
SOCKET_WAIT_SECONDS = 20        # for bwrap to make the sandbox the kernel's sockets are in
# The largest message the grading process takes from a kernel. jupyter_client decodes each message
# whole before any output cap applies, so one print of 200 MB held some 700 MB in the grading
# process; ZeroMQ refuses a larger message before allocating it (and drops that connection: the
# outputs after it are lost, bounded by the cell and notebook timeouts). A course figure is well
# under 1 MiB, and every output is cut to 64 KiB anyway (deepgrad.adapters.untrusted_outputs).
KERNEL_MESSAGE_BYTES = 32 * 2**20
# ipykernel imports its debugger (debugpy) as each kernel starts, a sixth of the kernel's start-up
# CPU, for a feature grading never asks for (nbclient sends no debug request). The standard
# launcher (``python -m ipykernel_launcher``) is run as it would be, ``sys.path`` and ``sys.argv``
# alike, with debugpy marked missing: ipykernel then starts without its debugger.
WITHOUT_DEBUGGER = ("import os, runpy, sys; sys.modules['debugpy'] = None; sys.path[0] = os.getcwd(); "
                    "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)")


def _course_of(cwd) -> tuple[Path, ...]:
    """The course folder an autograded notebook's folder (``autograded/<student>/<assignment>``)
    lies in, if it is one."""
    if not cwd or len(Path(cwd).parents) < 3:
        return ()
    course = Path(cwd).parents[2]
    return (course,) if (course / "nbgrader_config.py").is_file() else ()


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in the sandbox (``sandboxed``, set before nbgrader starts
    it) and joins ``group``; :meth:`kill_all` ends every kernel it started, children included.

    It is asynchronous, like nbclient's default: with a blocking client nbclient's waits block its
    event loop, and neither its per-cell timeout nor its dead-kernel check would ever run."""

    sandboxed: bool | None = None   # None: wherever a sandbox can be made (plain `nbgrader` runs)
    group: ResourceGroup | None = None
    started: list["SandboxedKernelManager"] = []
    on_start = None  # called as a kernel starts, in a pass deepgrad runs (its notebook cap starts then)

    async def _async_pre_start_kernel(self, **kw):
        if type(self).group is not None:  # a pass deepgrad runs, and ends with kill_all
            type(self).started.append(self)
            if type(self).on_start is not None:
                type(self).on_start()
        sandboxed = type(self).sandboxed
        self._in_sandbox = in_sandbox = not bubblewrap.unavailable() if sandboxed is None else sandboxed
        # Unix sockets, sandbox or not: no TCP port, no unencrypted-TCP warning. The folder holds
        # the connection file and `ipc`: in a sandbox, a private tmpfs at that path inside it,
        # and on the host a link to it made once the sandbox exists (_async_launch_kernel).
        if getattr(self, "_sockets", None) is not None:  # a restart: the old sandbox is gone
            shutil.rmtree(self._sockets, ignore_errors=True)
        self._sockets = Path(tempfile.mkdtemp(prefix="deepgrad-kernel-"))
        if not in_sandbox:
            (self._sockets / "ipc").mkdir()
        self.transport = "ipc"
        self.connection_file = str(self._sockets / "kernel.json")
        self.ip = str(self._sockets / "ipc" / "kernel-ipc")
        command, kw = await super()._async_pre_start_kernel(**kw)
        if any(part.endswith("ipykernel_launcher") for part in command):
            # IPython's own extension hook: matplotlib.pyplot runs only if a cell that runs draws
            command = [*command, f"--IPKernelApp.extensions={LAZY_IMPORTS}"]
        if command[1:3] == ["-m", "ipykernel_launcher"]:
            command = [command[0], "-c", WITHOUT_DEBUGGER, *command[3:]]
        # The kernel's own process group, not a signal: the sandbox's init stands between them.
        self.kernel_spec.interrupt_mode = "message"
        limits = ["/bin/sh", "-c", f'ulimit -v {KERNEL_MEMORY_BYTES // 1024} && ulimit -c 0 '
                  f'&& ulimit -f {KERNEL_FILE_BYTES // 1024} && exec "$@"', "deepgrad-limits"]
        command = [*limits, *command]
        # jupyter_client would pass the grader's whole environment (os.environ) to the launch.
        kw["env"] = bubblewrap.launch_environment() if in_sandbox else plain_environment()
        if in_sandbox:
            if os.geteuid() == 0:  # the sandbox's user reads the key (through a read-only bind)
                os.chown(self.connection_file, bubblewrap.SANDBOX_ID, bubblewrap.SANDBOX_ID)
            cwd = kw.get("cwd")
            view = bubblewrap.View(readable=(*toolkit_paths(), Path(self.connection_file),
                                             *([Path(cwd)] if cwd else [])),
                                   sockets=self._sockets / "ipc", cwd=Path(cwd) if cwd else None,
                                   masked=(PACKAGE_ROOT, *_course_of(cwd)))
            # JPY_PARENT_PID=1: the sandbox's init is the kernel's parent, and ipykernel then
            # neither polls for it nor prints its "Ctrl-C will not work" banner.
            command = bubblewrap.command(command, view, env={"JPY_PARENT_PID": "1"})
        group = type(self).group
        if group is not None and group.paths:
            # Joined outside the sandbox (it has no /sys), by the shell that then becomes bwrap.
            joins = "; ".join(f"echo $$ > {shlex.quote(str(p / 'cgroup.procs'))}" for p in group.paths)
            command = ["/bin/sh", "-c", f'{{ {joins}; }} 2>/dev/null; exec "$@"', "deepgrad-cgroup", *command]
        return command, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if not self._in_sandbox:
            return
        # The host's `ipc` becomes a link to the sandbox's, once bwrap has made it. Until then a
        # connection finds nothing and ZeroMQ tries again, as it does before the kernel binds.
        process = self.provisioner.process
        deadline = time.monotonic() + SOCKET_WAIT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            inside = bubblewrap.reach_inside(process.pid, self._sockets / "ipc")
            if inside is not None:
                (self._sockets / "ipc").symlink_to(inside)
                return
            await asyncio.sleep(0.005)

    def client(self, **kwargs):
        """nbclient's client of this kernel, taking no message over :data:`KERNEL_MESSAGE_BYTES`."""
        client = super().client(**kwargs)
        client.context.setsockopt(zmq.MAXMSGSIZE, KERNEL_MESSAGE_BYTES)  # for the sockets it opens next
        return client

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        sockets = getattr(self, "_sockets", None)
        if sockets is not None and not restart:
            shutil.rmtree(sockets, ignore_errors=True)

    @classmethod
    def kill_all(cls) -> None:
        """SIGKILL every kernel started for this notebook, and all processes of its group."""
        if cls.group is not None:
            cls.group.kill()
        for manager in cls.started:
            process = getattr(manager.provisioner, "process", None)
            if process is not None and process.poll() is None:  # not reaped: its PID is still its own
                try:  # the kernel's sandbox leads its own session (jupyter_client starts it so)
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            sockets = getattr(manager, "_sockets", None)
            if sockets is not None:
                shutil.rmtree(sockets, ignore_errors=True)


@contextmanager
def capped_kernels(sandboxed: bool, seconds: float):
    """While inside, every kernel nbgrader starts runs in the sandbox (unless ``sandboxed`` is
    False), in one resource group, and all of them are killed ``seconds`` after the first one
    started; yields the event set when that happened. On leaving, every kernel left is killed."""
    SandboxedKernelManager.sandboxed = sandboxed
    SandboxedKernelManager.group = ResourceGroup(KERNEL_PROCESSES, KERNEL_MEMORY_BYTES)
    SandboxedKernelManager.started = []
    stopped = threading.Event()

    def stop():  # nbclient sees the kernel die and gives up on the notebook
        stopped.set()
        SandboxedKernelManager.kill_all()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    # The cap is on the run of the notebook: it starts with the kernel, after the verdict
    # (deepgrad.adapters.preprocessors) graded the submission under caps of its own.
    SandboxedKernelManager.on_start = lambda: timer.is_alive() or stopped.is_set() or timer.start()
    try:
        yield stopped
    finally:
        timer.cancel()
        SandboxedKernelManager.kill_all()  # a kernel nbgrader failed to shut down, and its children
        SandboxedKernelManager.group.remove()
        SandboxedKernelManager.group = None
        SandboxedKernelManager.on_start = None
