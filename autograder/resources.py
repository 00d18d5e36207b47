"""A cgroup around one sandbox: a cap on its processes and on the memory of its whole tree.

Per-process limits (RLIMIT_AS) let three children of 1.5 GiB pass a 4 GiB cap, and RLIMIT_NPROC
does not apply to root and counts every process of the user. A cgroup bounds the sandbox as a
whole (a fork bomb gets "Resource temporarily unavailable", a memory hog is killed) and lets every
process in it be killed at once. cgroup v1 (a ``pids`` and a ``memory`` hierarchy) and v2 (one
unified hierarchy) are both handled. Where no writable cgroup exists the group is inert, and
:attr:`ResourceGroup.bounded` says which bounds hold.
"""
from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _writable_parents() -> dict[str, Path]:
    """For "pids" and "memory": the writable cgroup folder this process is in, where there is one."""
    found: dict[str, Path] = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        try:
            _, controllers, where = line.split(":", 2)
        except ValueError:
            continue
        if controllers:  # cgroup v1: one hierarchy per controller
            for name in ("pids", "memory"):
                base = CGROUP_ROOT / name / where.lstrip("/")
                if name in controllers.split(",") and os.access(base, os.W_OK):
                    found.setdefault(name, base)
        else:  # cgroup v2: one hierarchy; a child gets the controllers its parent passes down
            base = CGROUP_ROOT / where.lstrip("/")
            enabled = _read(base / "cgroup.subtree_control").split()
            for name in ("pids", "memory"):
                if name in enabled and os.access(base, os.W_OK):
                    found.setdefault(name, base)
    return found


class ResourceGroup:
    """A fresh cgroup for one sandbox (one folder per hierarchy), removed by :meth:`remove`."""

    def __init__(self, max_processes: int, memory_bytes: int):
        self.paths: list[Path] = []
        self.bounded: set[str] = set()         # "pids", "memory": the bounds that really hold
        name = f"deepgrad-{secrets.token_hex(6)}"
        limits = {"pids": [("pids.max", str(max_processes))],
                  "memory": [("memory.max", str(memory_bytes)), ("memory.swap.max", "0"),
                             ("memory.limit_in_bytes", str(memory_bytes))]}
        for controller, parent in _writable_parents().items():
            path = parent / name
            try:
                if path not in self.paths:
                    path.mkdir()
                    self.paths.append(path)
                for filename, value in limits[controller]:
                    if (path / filename).exists():
                        (path / filename).write_text(value)
                        self.bounded.add(controller)
            except OSError:
                continue

    def join(self) -> None:
        """Move the calling process in (run in the child between fork and exec)."""
        for path in self.paths:
            (path / "cgroup.procs").write_text("0")

    def pids(self) -> list[int]:
        return sorted({int(p) for path in self.paths for p in _read(path / "cgroup.procs").split()})

    def kill(self) -> None:
        """SIGKILL every process in the group (again while a forking one keeps adding more)."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill()
        for path in self.paths:
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.paths = []
