"""The grader's own copy of each submitted notebook, taken once, before any student code runs.

Everything the trusted side reads of a submission (the verdict's worker, the structure check, the
feedback notebook nbgrader could not write) reads this copy, never ``submitted/`` again: student
code that runs later (nbgrader's kernel) cannot change what is graded, and a path that is a
symbolic link, a FIFO or a device cannot make the grader read another file, block or fill memory.

The copy is taken from a regular file only, opened without following a symbolic link anywhere
below ``submitted/``, at most :data:`MAX_NOTEBOOK_BYTES` long, and holding a JSON object with a
list of cells; anything else is a :class:`SnapshotError` whose message says what to do.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from autograder.notebook import NotebookError, parse_notebook

# Far above any notebook of this course (outputs included, the largest is under 1 MiB); a larger
# file is refused unread rather than parsed in the grader's memory.
MAX_NOTEBOOK_BYTES = 16 * 2**20

_DIR_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))
# O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal device must not
# become the grader's controlling terminal (both are refused right after, by fstat). O_BINARY:
# Windows would otherwise translate line ends.
_FILE_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
# openat(): each step opens a name inside a folder already opened, so nothing can swap a folder
# for a link between the check and the use. Without it (Windows) each path is checked, then opened.
_DIR_FD = os.open in os.supports_dir_fd


class SnapshotError(Exception):
    """The submission cannot be copied for grading; the message names it and says what to do."""


_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFDIR: "a folder", stat.S_IFREG: "a file"}


def _refusal(shown: str, mode: int, wanted: str = "a notebook file") -> SnapshotError:
    if stat.S_ISLNK(mode):
        return SnapshotError(f"{shown} is a symbolic link: submit the notebook file itself, in plain "
                             "folders, not a link")
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return SnapshotError(f"{shown} is {kind}, not {wanted}: submit the notebook file itself, in plain folders")


def _missing(shown: str) -> SnapshotError:
    return SnapshotError(f"no notebook at {shown} (wrong name? nbgrader looks for exactly this name)")


def _open_error(exc: OSError, shown: str, wanted: str, lstat) -> SnapshotError:
    """Why opening ``shown`` failed, in words; ``lstat`` describes what is there (only to word the
    message: the open itself is what refused it). A missing part is reported by the caller."""
    try:
        return _refusal(shown, lstat().st_mode, wanted)
    except OSError:
        return SnapshotError(f"{shown} could not be read ({exc.strerror}): check that it exists and "
                             "that the grader may read it")


def _read_regular(fd: int, shown: str) -> bytes:
    """The content of the open file ``fd``, if it is a regular file of at most the cap."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(shown, info.st_mode)
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise _too_large(shown, info.st_size)
    chunks, size = [], 0
    while chunk := os.read(fd, 1 << 20):  # the file may grow after fstat: read to the cap, no further
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_NOTEBOOK_BYTES:
            raise _too_large(shown, size)
    return b"".join(chunks)


def _too_large(shown: str, size: int) -> SnapshotError:
    return SnapshotError(f"{shown} is {size / 2**20:.1f} MiB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB a "
                         "notebook may have: clear its outputs (Kernel > Restart & Clear Outputs), save, "
                         "and submit it again")


def _read_below_at(root: Path, parts: tuple[str, ...], course: Path) -> bytes:
    """``root/parts...``, each step opened inside the folder opened before it, never through a link."""
    try:
        fd = os.open(root, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _missing(_shown(root, parts, course)) from None
    try:
        for depth, name in enumerate(parts):
            shown = _shown(root, parts[:depth + 1], course)
            last = depth == len(parts) - 1
            wanted = "a notebook file" if last else "a folder"
            try:
                child = os.open(name, _FILE_FLAGS if last else _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                raise _missing(_shown(root, parts, course)) from None
            except OSError as exc:
                raise _open_error(exc, shown, wanted,
                                  lambda: os.stat(name, dir_fd=fd, follow_symlinks=False)) from None
            os.close(fd)
            fd = child
            mode = os.fstat(fd).st_mode
            if not last and not stat.S_ISDIR(mode):  # where there is no O_DIRECTORY to refuse it
                raise _refusal(shown, mode, wanted)
        return _read_regular(fd, shown)
    finally:
        os.close(fd)


def _read_below_by_path(root: Path, parts: tuple[str, ...], course: Path) -> bytes:
    """The same where there is no openat(): each step is checked with lstat, then the file is
    opened by path and checked again with fstat (a link swapped in between is not caught)."""
    for depth in range(len(parts)):
        path, shown = root.joinpath(*parts[:depth + 1]), _shown(root, parts[:depth + 1], course)
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            raise _missing(_shown(root, parts, course)) from None
        if stat.S_ISLNK(mode) or (depth < len(parts) - 1 and not stat.S_ISDIR(mode)):
            raise _refusal(shown, mode, "a notebook file" if depth == len(parts) - 1 else "a folder")
    fd = os.open(root.joinpath(*parts), _FILE_FLAGS)
    try:
        return _read_regular(fd, shown)
    finally:
        os.close(fd)


def _shown(root: Path, parts: tuple[str, ...], course: Path) -> str:
    path = root.joinpath(*parts)
    return str(path.relative_to(course)) if path.is_relative_to(course) else str(path)


def read_submitted(course: Path, student: str, assignment: str) -> bytes:
    """The bytes of ``submitted/<student>/<assignment>/<assignment>.ipynb``, read safely."""
    if student in ("", ".", "..") or "/" in student or os.sep in student or "\0" in student:
        raise SnapshotError(f"{student!r} is not a student's folder name in submitted/")
    parts = (student, assignment, f"{assignment}.ipynb")
    read = _read_below_at if _DIR_FD else _read_below_by_path
    return read(Path(course) / "submitted", parts, Path(course))


class Snapshots:
    """A private folder (mode 0700, the grader's own) of the notebooks taken for one grading run;
    removed by :meth:`close`."""

    def __init__(self, course: Path, assignment: str):
        self.course, self.assignment = Path(course), assignment
        self.folder = Path(tempfile.mkdtemp(prefix="deepgrad-snapshot-"))  # mkdtemp makes it 0700

    def take(self, student: str) -> Path:
        """Copy the student's notebook here, once; its path, or SnapshotError if it is refused."""
        data = read_submitted(self.course, student, self.assignment)
        shown = f"submitted/{student}/{self.assignment}/{self.assignment}.ipynb"
        try:
            parse_notebook(data, shown)
        except NotebookError as exc:
            raise SnapshotError(str(exc)) from None
        folder = self.folder / student
        folder.mkdir(mode=0o700)
        copy = folder / f"{self.assignment}.ipynb"
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return copy

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Snapshots":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
