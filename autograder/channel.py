"""The data-only channel between the grader and the process that runs student code.

Only plain data crosses it: JSON for structure, NumPy's ``.npy`` format (``allow_pickle=False``)
for arrays. Whatever object the student's function returns, the grader receives a freshly built
value of an exact, known type -- never the student's object -- so a custom ``__eq__``, an ndarray
subclass or a monkeypatched numpy cannot take part in the comparison.

Decoded values are: ``np.ndarray`` (exactly that class), NumPy scalars, ``float``, ``int``,
``bool``, ``str``, ``None``, ``tuple``, ``list``, ``dict`` (str keys), :class:`Polynomial`,
or :class:`Foreign` (a description of anything else).
"""
from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass

import numpy as np

MAX_ITEMS = 10_000  # containers larger than this are reported, not shipped


@dataclass(frozen=True)
class Foreign:
    """Stands in for a value of a type the channel does not carry."""

    type_name: str
    detail: str = ""

    def __repr__(self) -> str:
        return f"<{self.type_name}{': ' + self.detail if self.detail else ''}>"


@dataclass(frozen=True)
class Polynomial:
    """A callable sent as data: ``p(x) = c0 + c1 x + c2 x**2 + ...`` (coefficients lowest first).

    Used wherever a check must hand the student a function, e.g. the derivative given to
    ``gradient_descent``.
    """

    coeffs: tuple[float, ...]

    def __call__(self, x):
        total = 0.0
        for c in reversed(self.coeffs):  # Horner's scheme
            total = total * x + c
        return total

    def __repr__(self) -> str:
        terms = [f"{c:g}" + (f"*x**{k}" if k > 1 else "*x" if k == 1 else "")
                 for k, c in enumerate(self.coeffs) if c]
        return "lambda x: " + (" + ".join(terms) or "0")


def _npy_bytes(arr: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _npy_array(text: str) -> np.ndarray:
    arr = np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)
    return np.asarray(arr).view(np.ndarray)


def _type_name(value) -> str:
    cls = type(value)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def encode(value) -> dict:
    """Turn ``value`` into JSON-able data. Exact type tests only: subclasses are Foreign."""
    cls = type(value)
    if value is None:
        return {"kind": "none"}
    if cls is bool:
        return {"kind": "bool", "value": value}
    if cls is int:
        return {"kind": "int", "value": str(value)}
    if cls is float:
        return {"kind": "float", "value": repr(value)}
    if cls is str:
        return {"kind": "str", "value": value[:2000]}
    if cls is np.ndarray:
        if value.dtype.hasobject or value.dtype.fields is not None:
            return {"kind": "foreign", "type": "numpy.ndarray", "detail": f"dtype {value.dtype}"}
        return {"kind": "ndarray", "npy": _npy_bytes(value)}
    if isinstance(value, np.generic) and cls in np.sctypeDict.values() and not value.dtype.hasobject:
        return {"kind": "npscalar", "npy": _npy_bytes(np.asarray(value))}
    if cls in (tuple, list):
        if len(value) > MAX_ITEMS:
            return {"kind": "foreign", "type": cls.__name__, "detail": f"{len(value)} items"}
        return {"kind": cls.__name__, "items": [encode(v) for v in value]}
    if cls is dict and all(type(k) is str for k in value) and len(value) <= MAX_ITEMS:
        return {"kind": "dict", "items": {k: encode(v) for k, v in value.items()}}
    if cls is Polynomial:
        return {"kind": "polynomial", "coeffs": [repr(float(c)) for c in value.coeffs]}
    detail = "an ndarray subclass" if isinstance(value, np.ndarray) else ""
    return {"kind": "foreign", "type": _type_name(value), "detail": detail}


def decode(data: dict):
    """Rebuild a value from :func:`encode`'s output, trusting nothing but its structure.

    Anything malformed raises ValueError, whatever part of it is broken.
    """
    try:
        return _decode(data)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 -- KeyError, TypeError, ... from a forged message
        raise ValueError(f"malformed value on the grading channel ({type(exc).__name__}: {exc})") from None


def _decode(data: dict):
    kind = data["kind"]
    if kind == "none":
        return None
    if kind == "bool":
        return bool(data["value"] is True)
    if kind == "int":
        return int(str(data["value"]))
    if kind == "float":
        return float(str(data["value"]))
    if kind == "str":
        return str(data["value"])
    if kind == "ndarray":
        return _npy_array(data["npy"])
    if kind == "npscalar":
        return _npy_array(data["npy"])[()]
    if kind in ("tuple", "list"):
        items = [_decode(v) for v in data["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {str(k): _decode(v) for k, v in data["items"].items()}
    if kind == "polynomial":
        return Polynomial(tuple(float(str(c)) for c in data["coeffs"]))
    if kind == "foreign":
        return Foreign(str(data.get("type", "?")), str(data.get("detail", "")))
    raise ValueError(f"unknown value kind {kind!r} on the grading channel")


def dumps(message: dict) -> bytes:
    """One message per line: JSON never contains a raw newline."""
    return json.dumps(message, allow_nan=True).encode("utf-8") + b"\n"


def loads(line: bytes) -> dict:
    message = json.loads(line.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("a grading-channel message must be a JSON object")
    return message
