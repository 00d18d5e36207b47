"""Calling student functions from a check, in the notebook or through a worker process.

A check never touches the student's objects: it calls ``call("sigmoid", z)`` and gets back a value
rebuilt from plain data (see :mod:`autograder.channel`), or a :class:`StudentProblem` that says,
in words for the student, why there is no value.
"""
from __future__ import annotations

import re
from pathlib import Path

from .bounded import bounded
from .channel import decode, encode
from .diagnose import markers
from .execute import execute_call
from .host import HostedWorker
from .kept_inputs import broken_rule
from .messages import LANGUAGES, N_, phrase, say, translated
from .notebook import NotebookError, cell_label, forbidden_uses, loadable_cells
from .sandbox import Limits, Worker, WorkerGone


# A stub's message starts with these words (in the language it is said in): see :func:`not_implemented`.
NOT_IMPLEMENTED = N_("not implemented yet: ")


def not_implemented(message: str) -> bool:
    """Is ``message`` (said in any of the course's languages) a stub's: a function that still
    raises NotImplementedError? (A check's outcome is a message; this reads its first words.)"""
    return message.startswith(tuple({translated(NOT_IMPLEMENTED, lang) for lang in LANGUAGES}))


class StudentProblem(Exception):
    """The student's function could not produce a value to check. Its message (it may carry the
    student's traceback) is cut to :data:`~autograder.bounded.MESSAGE_CHARS`."""

    def __init__(self, message: str, *, not_implemented: bool = False):
        message = bounded(message)
        super().__init__(message)
        self.message = message
        self.not_implemented = not_implemented


class CheckFailure(AssertionError):
    """A value was produced and it is wrong; the message says how (cut like a StudentProblem's: it
    may quote the warnings or names the student's code sent)."""

    def __init__(self, message: str = ""):
        super().__init__(bounded(message))


# Replies come from the process that runs student code, which can write anything on the channel:
# every field is read through these, so a forged reply is at worst an odd message, never a crash.
def _strings(value) -> list[str]:
    """A reply field that should be a list of strings, as one (anything else: [])."""
    return [str(v) for v in value] if type(value) is list else []


def _changed_inputs(value) -> list[tuple[int, str]]:
    """The reply's inputs changed in place: its ``[position, name]`` pairs that are well formed."""
    pairs = value if type(value) is list else []
    return [(pair[0], str(pair[1])) for pair in pairs
            if type(pair) is list and len(pair) == 2 and type(pair[0]) is int]


# numpy's floating-point warnings, as the worker reports them ("RuntimeWarning: overflow encountered in
# exp"): said in the check's language, numpy's names as they are; any other warning is quoted as sent.
NUMPY_WARNINGS = (N_("{category}: overflow encountered in {where}"), N_("{category}: divide by zero encountered in {where}"),
                  N_("{category}: invalid value encountered in {where}"), N_("{category}: underflow encountered in {where}"))


def _warning_pattern(template: str) -> re.Pattern:
    """What numpy writes where ``template`` (numpy's own words) has its placeholders: a name each."""
    return re.compile(re.escape(template).replace(re.escape("{category}"), r"(?P<category>\w{1,60})")
                      .replace(re.escape("{where}"), r"(?P<where>\w{1,60}(?: \w{1,60}){0,3})"))


_NUMPY_PATTERNS = tuple((template, _warning_pattern(template)) for template in NUMPY_WARNINGS)


def _warning_said(text: str) -> str:
    for template, pattern in _NUMPY_PATTERNS:
        if match := pattern.fullmatch(text):
            return say(template, **match.groupdict())
    return text


def _load_errors(value) -> list[dict]:
    """The worker's report of cells that failed to load: the entries that are objects."""
    return [e for e in value if type(e) is dict] if type(value) in (list, tuple) else []


def _cell_named(error: dict) -> str:
    """The cell a load error names, said here from its position and grade id (the worker's own
    label, if those are not well formed: a forged report is data only); "" for none."""
    index, grade_id = error.get("index"), error.get("grade_id")
    if not error.get("cell"):
        return ""
    if type(index) is int and type(grade_id) is str:
        return cell_label(index, grade_id[:200])
    return str(error.get("cell"))


def _load_errors_text(load_errors, full: bool = True) -> str:
    """The cells that failed to load: each with its traceback (``full``), or by name and error only
    (the traceback was shown once already)."""
    errors = _load_errors(load_errors)
    if not full:
        named = [say("{cell} ({error})", cell=_cell_named(e) or say("a cell"), error=_last_line(e.get("traceback")))
                 for e in errors]
        return say("\n(A cell failed to load, so what it defines is missing: {cells}; its traceback is shown "
                   "once, above.)", cells="; ".join(named)) if named else ""
    return "".join(say("\n\n{cell} raised an error when it ran:\n{traceback}", cell=_cell_named(e),
                       traceback=e.get("traceback")) if e.get("cell")
                   else f"\n\n{e.get('traceback')}" for e in errors)


def _last_line(traceback) -> str:
    lines = [line for line in str(traceback or "").strip().splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else say("an error")


def called_with(args: tuple) -> str:
    """The arguments of a call, short: small arrays in full, larger ones by shape."""
    import numpy as np

    def one(value) -> str:
        if isinstance(value, np.ndarray):
            return str(value.tolist()) if value.size <= 12 else say("an array of shape {shape}", shape=value.shape)
        if isinstance(value, (int, float, str, bool, np.generic)) or value is None:
            return repr(value)
        if isinstance(value, dict):
            return say("a dict with keys {keys}", keys=", ".join(map(repr, list(value)[:8])))
        return say("a {type_name}", type_name=type(value).__name__)
    return "(" + ", ".join(one(a) for a in args) + ")"


def with_warnings(message: str, notes: list[str]) -> str:
    """A failed check's message with the numerical warnings its calls emitted (at most two), as the
    facts they are, before any hint. A warning alone fails nothing: student code can switch numpy's
    warnings off (``np.errstate``), so the checks judge the values a function returns, and a value
    built on an overflow is wrong there anyway."""
    if not notes:
        return message
    at = min((found for mark in markers() if (found := message.find(mark)) >= 0), default=len(message))
    note = say("\n(While this check ran, {notes}.)", notes="; ".join(list(dict.fromkeys(notes))[:2]))
    return bounded(message[:at] + note + message[at:])  # (a warning's text is the student code's to choose)


def with_broken_rules(message: str | None, notes: list[str]) -> str | None:
    """A check's outcome with the stated rules its calls broke (see :func:`interpret`): each such
    note fails the check, whatever the value, and comes first, so that a long message about the
    value cannot push it out; the value's own message (None if the value was right) follows."""
    if not notes:
        return message
    said = "\n".join(dict.fromkeys(notes))
    return bounded(said if message is None else f"{said}\n{message}")


def interpret(reply: dict, fn: str, load_errors: list[dict] = (), args: tuple = (),
              full_load_errors: bool = True, warned: list[str] | None = None,
              broke: list[tuple[str, str]] | None = None):
    """The value a reply carries, or the StudentProblem it describes. A numerical warning the call
    emitted is noted in ``warned`` (with ``args``, the input behind it: see :func:`with_warnings`),
    never a failure by itself. An input changed in place where the notebook says to leave it
    unchanged (:mod:`autograder.kept_inputs`) is noted in ``broke``, as ``(fn, note)``: the check
    still judges the value, and then fails on that note too (:func:`with_broken_rules`); with no
    ``broke`` to note it in, it fails at once. Any other input changed in place costs nothing: every call gets copies.
    A function missing, or failing on a name another cell should have defined, is explained by the
    cells that failed to load (``full_load_errors``: with their tracebacks, else by name only)."""
    status = reply.get("status")
    if status == "ok":
        if note := broken_rule(fn, _changed_inputs(reply.get("mutated"))):
            if broke is None:
                raise CheckFailure(note)
            broke.append((fn, note))
        if (warnings := _strings(reply.get("warnings"))) and warned is not None:
            warned.append(say("`{fn}` emitted a numerical warning when called with {args}: {warnings}",
                              fn=fn, args=called_with(args), warnings="; ".join(map(_warning_said, warnings))))
        try:
            return decode(reply.get("result"))
        except ValueError as exc:
            raise StudentProblem(say("`{fn}` sent back something unreadable: {error}", fn=fn, error=exc)) from None
    if status == "not_implemented":
        origin = reply.get("origin")
        via = say(" (it calls `{origin}`, which)", origin=origin) if origin and origin != fn else ""
        raise StudentProblem(
            phrase(NOT_IMPLEMENTED) + say("`{fn}`{via} still raises NotImplementedError. Replace "
                                          "`raise NotImplementedError()` under `# YOUR CODE HERE` with your code.",
                                          fn=fn, via=via),
            not_implemented=True)
    if status == "missing":
        raise StudentProblem(say("`{fn}` is not defined in the notebook. Keep the function's name and its answer "
                                 "cell as given.", fn=fn) + _load_errors_text(load_errors, full_load_errors))
    if status == "not_callable":
        raise StudentProblem(say("`{fn}` should be a function but is a {type_name}.", fn=fn,
                                 type_name=reply.get("type")))
    if status == "exception":
        because = _load_errors_text(load_errors, full_load_errors) if reply.get("type") == "NameError" else ""
        raise StudentProblem(say("`{fn}` raised {error}:\n{traceback}{because}", fn=fn, error=reply.get("type"),
                                 traceback=reply.get("traceback", ""), because=because))
    raise StudentProblem(say("`{fn}` could not be checked: unexpected reply {status!r}", fn=fn, status=status))


class ReferenceFailure(Exception):
    """The reference solution gave no value where a check needed one: the grader's problem (a
    broken source notebook, a hidden input outside its domain), never the student's."""


def reference_of(call):
    """What a check compares the student's function with, where that is another function's value
    (the loss a gradient is checked against, the forward a backward is, a hidden check's expected
    value): at grading, the reference solution's (so each check judges the one function it names,
    and a forward that is flat near its inputs cannot make a zero gradient pass); in the self-check
    and the instructor's own notebook, the caller's own.

    At grading, whatever goes wrong in the reference is raised as :class:`ReferenceFailure`."""
    reference = getattr(call, "reference", None)
    if reference is None:
        return call

    def judge(fn: str, *args):
        try:
            return reference(fn, *args)
        except (StudentProblem, CheckFailure) as exc:
            detail = exc.message if isinstance(exc, StudentProblem) else str(exc)
            raise ReferenceFailure(say("the reference solution's `{fn}` gave no value: {detail}",
                                       fn=fn, detail=detail)) from None
    return judge


class LocalCaller:
    """Calls functions of a live namespace (a notebook's globals) through the same encoding."""

    reference = None

    def __init__(self, namespace: dict):
        self.namespace = namespace
        self.warned: list[str] = []  # numerical warnings of the calls of the check under way
        self.broke: list[tuple[str, str]] = []  # the stated input rules they broke: (fn, note)

    def __call__(self, fn: str, *args):
        reply = execute_call(self.namespace, fn, [encode(a) for a in args])
        return interpret(reply, fn, args=args, warned=self.warned, broke=self.broke)


class WorkerCaller:
    """Calls functions of a notebook loaded in a sandboxed worker process (with ``host``, a copy
    forked by the self-check's one sandbox: :mod:`autograder.host`)."""

    def __init__(self, notebook: Path, limits: Limits = Limits(), *, sandboxed: bool | None = None,
                 host=None):
        self.notebook = Path(notebook)
        self.worker = Worker(self.notebook, limits, sandboxed) if host is None else HostedWorker(self.notebook, host)
        self.load_errors: list[dict] = []
        self.load_errors_shown = False  # their tracebacks went into a message once already
        self.forbidden: dict[str, str] = {}  # function -> the library it leans on
        self.timed_out: dict[str, str] = {}  # function -> why; an endless loop is not re-run
        self.unreadable = ""  # why the notebook cannot be read: the same for every check, found once
        self.reference: WorkerCaller | None = None  # the reference solution's, at grading
        self.warned: list[str] = []  # numerical warnings of the calls of the check under way
        self.broke: list[tuple[str, str]] = []  # the stated input rules they broke: (fn, note)

    def start(self) -> None:
        """Load the notebook's answer cells; StudentProblem if the notebook cannot be loaded."""
        if not self.notebook.is_file():
            raise StudentProblem(say("notebook not found: {path}", path=self.notebook))
        try:
            report = self.worker.start()
        except WorkerGone as exc:
            raise StudentProblem(say("the notebook's answer cells could not be loaded: {reason}",
                                     reason=exc.reason)) from None
        if report.get("status") == "unreadable":
            self.worker.stop()
            self.unreadable = self._why_unreadable(str(report.get("message")))
            raise StudentProblem(self.unreadable)
        self.load_errors = _load_errors(report.get("load_errors"))
        try:
            self.forbidden = forbidden_uses(self.notebook)
        except NotebookError as exc:
            raise StudentProblem(str(exc)) from None

    def _why_unreadable(self, reported: str) -> str:
        """Why the worker could not read the notebook: said here, in the check's language, by
        reading the file as the worker did (the worker, beside student code, speaks English only);
        the worker's own words if the file reads now (it changed in between)."""
        try:
            loadable_cells(self.worker.notebook)
        except NotebookError as exc:
            return str(exc)
        except OSError:
            pass
        return reported

    def __call__(self, fn: str, *args):
        if fn in self.timed_out:
            raise StudentProblem(say("`{fn}`: not run again: {reason}", fn=fn, reason=self.timed_out[fn]))
        if self.unreadable:  # no new worker: the file is what it was
            raise StudentProblem(self.unreadable)
        if not self.worker.running:
            self.start()
        if fn in self.forbidden:
            raise StudentProblem(say("`{fn}` uses `{library}`, which this course does not allow in answers: "
                                     "write it with numpy.", fn=fn, library=self.forbidden[fn]))
        try:
            reply = self.worker.request({"op": "call", "fn": fn, "args": [encode(a) for a in args]})
        except WorkerGone as exc:
            if exc.timed_out:
                self.timed_out[fn] = exc.reason
            raise StudentProblem(say("`{fn}`: {reason}", fn=fn, reason=exc.reason)) from None
        try:
            return interpret(reply, fn, self.load_errors, args, full_load_errors=not self.load_errors_shown,
                             warned=self.warned, broke=self.broke)
        except StudentProblem:
            self.load_errors_shown = self.load_errors_shown or bool(self.load_errors) and \
                reply.get("status") in ("missing", "exception")
            raise

    def close(self) -> None:
        self.worker.close()
