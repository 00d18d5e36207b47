"""Calling student functions from a check, in the notebook or through a worker process.

A check never touches the student's objects: it calls ``call("sigmoid", z)`` and gets back a value
rebuilt from plain data (see :mod:`autograder.channel`), or a :class:`StudentProblem` that says,
in words for the student, why there is no value.
"""
from __future__ import annotations

from pathlib import Path

from .bounded import bounded
from .channel import decode, encode
from .execute import execute_call
from .host import HostedWorker
from .kept_inputs import broken_rule
from .notebook import NotebookError, forbidden_uses
from .sandbox import Limits, Worker, WorkerGone


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


def _load_errors(value) -> list[dict]:
    """The worker's report of cells that failed to load: the entries that are objects."""
    return [e for e in value if type(e) is dict] if type(value) in (list, tuple) else []


def _load_errors_text(load_errors, full: bool = True) -> str:
    """The cells that failed to load: each with its traceback (``full``), or by name and error only
    (the traceback was shown once already)."""
    errors = _load_errors(load_errors)
    if not full:
        named = [f"{e.get('cell') or 'a cell'} ({_last_line(e.get('traceback'))})" for e in errors]
        return f"\n(A cell failed to load, so what it defines is missing: {'; '.join(named)}; " \
               "its traceback is shown once, above.)" if named else ""
    return "".join(f"\n\n{e.get('cell')} raised an error when it ran:\n{e.get('traceback')}" if e.get("cell")
                   else f"\n\n{e.get('traceback')}" for e in errors)


def _last_line(traceback) -> str:
    lines = [line for line in str(traceback or "").strip().splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "an error"


def called_with(args: tuple) -> str:
    """The arguments of a call, short: small arrays in full, larger ones by shape."""
    import numpy as np

    def one(value) -> str:
        if isinstance(value, np.ndarray):
            return str(value.tolist()) if value.size <= 12 else f"an array of shape {value.shape}"
        if isinstance(value, (int, float, str, bool, np.generic)) or value is None:
            return repr(value)
        if isinstance(value, dict):
            return "a dict with keys " + ", ".join(map(repr, list(value)[:8]))
        return f"a {type(value).__name__}"
    return "(" + ", ".join(one(a) for a in args) + ")"


def with_warnings(message: str, notes: list[str]) -> str:
    """A failed check's message with the numerical warnings its calls emitted (at most two), as the
    facts they are, before any hint. A warning alone fails nothing: student code can switch numpy's
    warnings off (``np.errstate``), so the checks judge the values a function returns, and a value
    built on an overflow is wrong there anyway."""
    if not notes:
        return message
    said, hint, rest = message.partition("\nhint: ")
    note = f"\n(While this check ran, {'; '.join(list(dict.fromkeys(notes))[:2])}.)"
    return bounded(said + note + hint + rest)  # (a warning's text is the student code's to choose)


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
            warned.append(f"`{fn}` emitted a numerical warning when called with {called_with(args)}: "
                          f"{'; '.join(warnings)}")
        try:
            return decode(reply.get("result"))
        except ValueError as exc:
            raise StudentProblem(f"`{fn}` sent back something unreadable: {exc}") from None
    if status == "not_implemented":
        origin = reply.get("origin")
        via = f" (it calls `{origin}`, which)" if origin and origin != fn else ""
        raise StudentProblem(
            f"not implemented yet: `{fn}`{via} still raises NotImplementedError. "
            "Replace `raise NotImplementedError()` under `# YOUR CODE HERE` with your code.",
            not_implemented=True)
    if status == "missing":
        raise StudentProblem(f"`{fn}` is not defined in the notebook. Keep the function's name "
                             "and its answer cell as given." + _load_errors_text(load_errors, full_load_errors))
    if status == "not_callable":
        raise StudentProblem(f"`{fn}` should be a function but is a {reply.get('type')}.")
    if status == "exception":
        because = _load_errors_text(load_errors, full_load_errors) if reply.get("type") == "NameError" else ""
        raise StudentProblem(f"`{fn}` raised {reply.get('type')}:\n{reply.get('traceback', '')}{because}")
    raise StudentProblem(f"`{fn}` could not be checked: unexpected reply {status!r}")


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
            raise ReferenceFailure(f"the reference solution's `{fn}` gave no value: {detail}") from None
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
            raise StudentProblem(f"notebook not found: {self.notebook}")
        try:
            report = self.worker.start()
        except WorkerGone as exc:
            raise StudentProblem(f"the notebook's answer cells could not be loaded: {exc.reason}") from None
        if report.get("status") == "unreadable":
            self.worker.stop()
            self.unreadable = str(report.get("message"))
            raise StudentProblem(self.unreadable)
        self.load_errors = _load_errors(report.get("load_errors"))
        try:
            self.forbidden = forbidden_uses(self.notebook)
        except NotebookError as exc:
            raise StudentProblem(str(exc)) from None

    def __call__(self, fn: str, *args):
        if fn in self.timed_out:
            raise StudentProblem(f"`{fn}`: not run again: {self.timed_out[fn]}")
        if self.unreadable:  # no new worker: the file is what it was
            raise StudentProblem(self.unreadable)
        if not self.worker.running:
            self.start()
        if fn in self.forbidden:
            raise StudentProblem(f"`{fn}` uses `{self.forbidden[fn]}`, which this course does not allow "
                                 "in answers: write it with numpy.")
        try:
            reply = self.worker.request({"op": "call", "fn": fn, "args": [encode(a) for a in args]})
        except WorkerGone as exc:
            if exc.timed_out:
                self.timed_out[fn] = exc.reason
            raise StudentProblem(f"`{fn}`: {exc.reason}") from None
        try:
            return interpret(reply, fn, self.load_errors, args, full_load_errors=not self.load_errors_shown,
                             warned=self.warned, broke=self.broke)
        except StudentProblem:
            self.load_errors_shown = self.load_errors_shown or bool(self.load_errors) and \
                reply.get("status") in ("missing", "exception")
            raise

    def close(self) -> None:
        self.worker.close()
