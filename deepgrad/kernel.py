"""The Jupyter kernel nbgrader's autograde runs a submission in, kept away from the course.

nbgrader executes every cell of a submission in a kernel that can read and write anything the
instructor can: the solutions with their hidden tests, other students' work, the gradebook. Here
the kernel starts in its own mount namespace where those paths are empty (see
:func:`autograder.sandbox.secret_paths`), with a cap on its memory, no core dumps, and inside a
pids cgroup (where the OS offers one) that caps its processes and lets every one of them be killed
at once. Scores do not come from this kernel anyway (:mod:`deepgrad.verdict` decides them); this
keeps the student's code from reading the hidden tests or editing the gradebook while nbgrader
runs it, and lets :class:`deepgrad.course.Nbgrader` stop a notebook that would never finish.
"""
from __future__ import annotations

import os
import shlex
import signal

from jupyter_client.manager import AsyncKernelManager

from autograder.sandbox import ProcessGroupLimit, hiding_prefix

KERNEL_MEMORY_KIB = 4 * 2**20  # 4 GiB of address space
KERNEL_PROCESSES = 64


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel cannot see ``hidden`` and joins ``group`` (both set before
    nbgrader starts it); :meth:`kill_all` ends every kernel it started, children included.

    It is asynchronous, like nbclient's default: with a blocking client nbclient's waits block its
    event loop, and neither its per-cell timeout nor its dead-kernel check would ever run."""

    hidden: tuple[str, ...] = ()
    group: ProcessGroupLimit | None = None
    started: list["SandboxedKernelManager"] = []

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        type(self).started.append(self)
        group = type(self).group
        # The shell's PID becomes the kernel's (exec), so its children inherit the cgroup. A failed
        # join only loses the process cap; the kernel still starts.
        join = (f"{{ echo $$ > {shlex.quote(str(group.path / 'cgroup.procs'))}; }} 2>/dev/null; "
                if group is not None and group.path is not None else "")
        limits = ["/bin/sh", "-c", f'{join}ulimit -v {KERNEL_MEMORY_KIB} && ulimit -c 0 && exec "$@"',
                  "deepgrad-limits"]
        prefix = hiding_prefix()
        if not prefix:
            return [*limits, *command]
        return [*prefix, *type(self).hidden, "--", *limits, *command]

    @classmethod
    def kill_all(cls) -> None:
        """SIGKILL every kernel started for this notebook, and all processes of its group."""
        if cls.group is not None:
            cls.group.kill()
        for manager in cls.started:
            process = getattr(manager.provisioner, "process", None)
            if process is not None and process.poll() is None:  # not reaped: its PID is still its own
                try:  # the kernel leads its own session (jupyter_client starts it so)
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
