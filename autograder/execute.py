"""Running one student function on channel-encoded inputs: the student side of every check.

The same :func:`execute_call` serves the notebook's own test cells (in the student's kernel) and
the worker process of ``pytest autograder``; its reply is plain data that the grading side
interprets. Nothing here decides whether an answer is right.
"""
from __future__ import annotations

import inspect
import linecache
import traceback
import warnings
from pathlib import Path

import numpy as np

from .channel import decode, encode

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def cell_filename(label: str) -> str:
    return f"<notebook {label}>"


def register_source(filename: str, source: str) -> None:
    """Let tracebacks quote lines of code that has no file on disk."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _python_header() -> str:
    """The line Python starts a traceback with, in Python's own words (a traceback is Python's
    text, the same in every edition of the course), taken from Python rather than spelt here."""
    try:
        raise RuntimeError
    except RuntimeError as exc:
        return traceback.format_exception(exc)[0]


TRACEBACK_HEADER = _python_header()


def student_traceback(exc: BaseException) -> str:
    """The traceback from the first frame outside the autograder package on."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(frames) if not f.filename.startswith(_PACKAGE_DIR)),
                 len(frames))
    lines = [TRACEBACK_HEADER]
    lines += traceback.format_list(frames[start:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def _not_implemented_origin(exc: BaseException) -> str | None:
    """Name of the function whose stub raised, e.g. a helper that the called one relies on."""
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1].name if frames else None


def _changed(before, after) -> bool:
    if type(before) is np.ndarray:
        return (type(after) is not np.ndarray or after.shape != before.shape
                or after.dtype != before.dtype or not np.array_equal(after, before, equal_nan=True))
    if isinstance(before, (list, tuple, dict)):  # containers of arrays, e.g. params = (W, b)
        return encode(before) != encode(after)
    return False


def _parameter_names(fn, count: int) -> list[str]:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(count)]


def execute_call(namespace: dict, fn_name: str, encoded_args: list) -> dict:
    """Call ``namespace[fn_name]`` on fresh copies of the inputs; describe what happened."""
    fn = namespace.get(fn_name)
    if fn is None:
        return {"status": "missing"}
    if not callable(fn):
        return {"status": "not_callable", "type": type(fn).__name__}
    args = [decode(a) for a in encoded_args]
    pristine = [decode(a) for a in encoded_args]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args)
    except NotImplementedError as exc:
        return {"status": "not_implemented", "origin": _not_implemented_origin(exc)}
    except BaseException as exc:  # noqa: BLE001 -- SystemExit, KeyboardInterrupt: the student's too
        return {"status": "exception", "type": type(exc).__name__,
                "traceback": student_traceback(exc)[-6000:]}
    # Every input changed in place, by position and parameter name: the grading side decides which
    # of them the notebook forbids changing (autograder.kept_inputs), and says nothing of the rest.
    names = _parameter_names(fn, len(args))
    mutated = [[i, names[i]] for i, (b, a) in enumerate(zip(pristine, args)) if _changed(b, a)]
    try:
        encoded = encode(result)
    except Exception as exc:  # noqa: BLE001 -- a value whose own methods fail to describe it
        encoded = {"kind": "foreign", "type": type(result).__name__, "why": "unreadable", "error": str(exc)[:2000]}
    numeric = sorted({f"{w.category.__name__}: {w.message}" for w in caught
                      if issubclass(w.category, RuntimeWarning)})
    return {"status": "ok", "result": encoded, "mutated": mutated, "warnings": numeric[:5]}
