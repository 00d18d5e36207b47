"""The files nbgrader copies from beside a submitted notebook: only those the course lists.

nbgrader's autograde copies every file of ``submitted/<student>/<assignment>/`` into
``autograded/``, and its generate_feedback every file of that into ``feedback/`` (the student's
copy), following symbolic links and with no size limit (``BaseConverter.init_assignment``; its
``CourseDirectory.max_file_size`` applies to the exchange only). A student could so have a 48 MiB
file copied twice, or, with a link beside the notebook, have the grader copy the reference notebook,
``/etc/passwd`` or ``/dev/zero`` (endlessly) into their feedback.

Here, for those two converters, a file is copied only if the course lists it
(``c.SubmittedFiles.extra_files``, globs relative to the assignment folder; none by default: no
assignment takes files from students; nbgrader's own ``timestamp.txt`` and ``submission_secret.txt``
always), it is a regular file reached without a symbolic link, not hidden, and within
``c.SubmittedFiles.max_file_bytes``; at most ``max_files`` of them. The
notebooks themselves are nbgrader's to convert, and the files of ``solutions/<assignment>/`` still
overwrite the student's in ``autograded/`` (they come from the instructor). nbgrader offers no
configurable class for this step, so the course's ``nbgrader_config.py`` installs the rule
(:func:`copy_only_listed_files`) into every nbgrader process that grades the course: the command
line, the formgrader and ``deepgrad autograde`` alike.
"""
from __future__ import annotations

import fnmatch
import os
import stat

from nbgrader.converters import Autograde, GenerateFeedback, NbGraderException
from nbgrader.converters.base import BaseConverter
from traitlets import Integer, List, Unicode
from traitlets.config import LoggingConfigurable

_NOFOLLOW = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
# Entries of a submission folder looked at, at most: a folder of a million files is not walked whole.
MAX_ENTRIES = 10_000
# The files nbgrader's own exchange puts beside a submission (`nbgrader submit`, then collect) and
# reads back from feedback/ to release it (`nbgrader release_feedback`): always copied, by the rule.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


class SubmittedFiles(LoggingConfigurable):
    extra_files = List(Unicode(), default_value=[],
                       help="Globs (relative to the assignment folder) of the files, besides the notebooks, "
                            "that autograde copies from a submission and generate_feedback into the "
                            "feedback. Default: none.").tag(config=True)
    max_file_bytes = Integer(1_000_000, help="A larger listed file is not copied.").tag(config=True)
    max_files = Integer(100, help="At most this many listed files are copied.").tag(config=True)


def listed_files(folder: str, policy: SubmittedFiles) -> list[str]:
    """The paths (relative to ``folder``) of the files ``policy`` lets through, in no folder that
    is a link or hidden, and never a link themselves (os.walk does not follow one)."""
    if not stat.S_ISDIR(_lstat_mode(folder)):
        return []
    wanted = (*NBGRADER_FILES, *policy.extra_files)
    chosen, seen = [], 0
    for here, folders, files in os.walk(folder, followlinks=False):
        folders[:] = [f for f in folders if not f.startswith(".")]
        for name in files:
            seen += 1
            relative = os.path.relpath(os.path.join(here, name), folder)
            if not name.startswith(".") and any(fnmatch.fnmatchcase(relative, g) for g in wanted):
                chosen.append(relative)
        if seen > MAX_ENTRIES or len(chosen) >= policy.max_files:
            policy.log.warning("%s: more than %d files, or %d listed ones: the rest are not copied",
                               folder, MAX_ENTRIES, policy.max_files)
            break
    return sorted(chosen)[:policy.max_files]


def _lstat_mode(path: str) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def copy_file(source: str, dest: str, most: int) -> bool:
    """Copy ``source`` if it is a regular file (opened without following a link) of at most
    ``most`` bytes; whether it was."""
    try:
        fd = os.open(source, _NOFOLLOW)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > most:
            return False
        data = handle.read(most + 1)  # the file may grow after fstat: no further than the cap
    if len(data) > most:
        return False
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if os.path.lexists(dest):
        os.remove(dest)
    with open(dest, "wb") as out:
        out.write(data)
    return True


_NBGRADER_INIT_ASSIGNMENT = BaseConverter.init_assignment


def init_assignment(self, assignment_id: str, student_id: str) -> None:
    """nbgrader's ``BaseConverter.init_assignment`` (the copy of the files beside the notebooks),
    for autograde and generate_feedback with :class:`SubmittedFiles`' rule."""
    if not isinstance(self, (Autograde, GenerateFeedback)):
        return _NBGRADER_INIT_ASSIGNMENT(self, assignment_id, student_id)
    source = self._format_source(assignment_id, student_id)
    dest = self._format_dest(assignment_id, student_id)
    policy = SubmittedFiles(parent=self)
    for name in NBGRADER_FILES:  # nbgrader itself reads timestamp.txt, following a link: /dev/zero, a FIFO
        path = os.path.join(source, name)
        mode = _lstat_mode(path)
        if os.path.lexists(path) and not (stat.S_ISREG(mode) and os.lstat(path).st_size <= policy.max_file_bytes):
            raise NbGraderException(f"{path} is not a regular file of at most {policy.max_file_bytes} bytes: "
                                    "the submission is not graded by nbgrader")
    for relative in listed_files(source, policy):
        if not copy_file(os.path.join(source, relative), os.path.join(dest, relative), policy.max_file_bytes):
            self.log.warning("Not copying %s: not a regular file of at most %d bytes",
                             os.path.join(source, relative), policy.max_file_bytes)


def copy_only_listed_files() -> None:
    """Install the rule in this process's nbgrader (again: no change)."""
    BaseConverter.init_assignment = init_assignment
