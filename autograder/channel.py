"""The data-only channel between the grader and the process that runs student code.

Only plain data crosses it: JSON for structure; an array as its dtype string, its shape, its
memory order and its raw bytes (base64), so nothing can ask for pickle, and a forged array is refused
before anything is allocated. Whatever object the student's function returns, the grader receives a freshly built
value of an exact, known type -- never the student's object -- so a custom ``__eq__``, an ndarray
subclass or a monkeypatched numpy cannot take part in the comparison.

Decoded values are: ``np.ndarray`` (exactly that class), NumPy scalars, ``float``, ``int``,
``bool``, ``str``, ``None``, ``tuple``, ``list``, ``dict`` (str keys), :class:`Polynomial`,
:class:`LinearPullback`, or :class:`Foreign` (a description of anything else).
"""
from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass

import numpy as np

from .messages import say

MAX_ITEMS = 10_000         # containers larger than this are reported, not shipped
MAX_DEPTH = 100            # containers nested deeper than this are reported, not shipped
MAX_TOTAL_ITEMS = 100_000  # values in one message, every level counted
MAX_MESSAGE_BYTES = 64 * 2**20  # one line of the channel; a longer one is refused unread


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


MAX_PULLBACK_ENTRIES = 1_000_000  # a LinearPullback's matrix: at most this many float64 entries (8 MB)


@dataclass(frozen=True, eq=False)
class LinearPullback:
    """A callable sent as data: the pullback of a linear map, ``pb(g) = (matrix.T @ g.ravel()).reshape(out_shape)``.

    ``matrix`` is the map's Jacobian, of shape (size of ``in_shape``, size of ``out_shape``): ``pb``
    takes the gradient of a node (an array of ``in_shape``, the node's shape) and gives one operand's
    share of its gradient (an array of ``out_shape``, the operand's shape). Used where a check hands
    ``backward_pass`` the pullbacks of a graph. The matrix is a read-only float64 copy; the shapes are
    tuples of ints, checked against it.
    """

    matrix: np.ndarray
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]

    def __post_init__(self):
        matrix = np.array(self.matrix, dtype=np.float64)
        in_shape, out_shape = _pullback_shape(self.in_shape), _pullback_shape(self.out_shape)
        if matrix.shape != (math.prod(in_shape), math.prod(out_shape)) or matrix.size > MAX_PULLBACK_ENTRIES:
            raise ValueError(f"a LinearPullback's matrix of shape {matrix.shape} does not map shape {in_shape} "
                             f"to shape {out_shape} (or has over {MAX_PULLBACK_ENTRIES} entries)")
        matrix.flags.writeable = False
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "in_shape", in_shape)
        object.__setattr__(self, "out_shape", out_shape)

    def __call__(self, grad):
        given = np.asarray(grad, dtype=np.float64)
        if given.shape != self.in_shape:
            raise ValueError(say("this pullback takes the gradient of its node, an array of shape {shape}; it was "
                                 "given one of shape {got_shape}", shape=self.in_shape, got_shape=given.shape))
        return (self.matrix.T @ given.ravel()).reshape(self.out_shape)

    def __repr__(self) -> str:
        return f"LinearPullback(matrix={self.matrix!r}, in_shape={self.in_shape}, out_shape={self.out_shape})"


def _pullback_shape(shape) -> tuple[int, ...]:
    """A shape of a LinearPullback: a list or tuple of at most 64 ints, each in [0, MAX_PULLBACK_ENTRIES]."""
    if (type(shape) not in (list, tuple) or len(shape) > _MAX_DIMS
            or not all(type(n) is int and 0 <= n <= MAX_PULLBACK_ENTRIES for n in shape)):
        raise ValueError("a LinearPullback's shape must be a list of at most 64 ints, each from 0 to "
                         f"{MAX_PULLBACK_ENTRIES}")
    return tuple(shape)


def _array_message(kind: str, arr: np.ndarray) -> dict:
    fortran = arr.flags.f_contiguous and not arr.flags.c_contiguous  # kept, as np.save keeps it
    order = "F" if fortran else "C"
    return {"kind": kind, "dtype": arr.dtype.str, "shape": list(arr.shape), "order": order,
            "data": base64.b64encode(arr.tobytes(order=order)).decode("ascii")}


# A byte order, one type letter, an item size and a datetime unit at most: '<f8', '|b1', '<U3',
# '<M8[s]'. Longer spellings (structured dtypes, 'O', sub-arrays) are refused before numpy parses them.
_DTYPE = re.compile(r"[<>|=][a-zA-Z][0-9]{0,9}(\[[0-9a-zA-Z]{1,8}\])?")
_MAX_DIMS = 64  # numpy's own limit


def _array(data: dict) -> np.ndarray:
    """The array of one message, checked against the data actually sent before anything is
    allocated: a forged shape could otherwise ask for terabytes."""
    spec, shape, order = data["dtype"], data["shape"], data.get("order", "C")
    if type(spec) is not str or not _DTYPE.fullmatch(spec):
        raise ValueError(f"array dtype {str(spec)[:40]!r}: the channel carries plain numeric and text arrays only")
    dtype = np.dtype(spec)
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"an array of dtype {dtype}: the channel carries plain data only")
    if (type(shape) is not list or len(shape) > _MAX_DIMS
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise ValueError("an array shape must be a list of at most 64 non-negative ints")
    if order not in ("C", "F"):
        raise ValueError(f"array memory order {str(order)[:10]!r}: 'C' or 'F' only")
    raw = base64.b64decode(data["data"], validate=True)
    count = math.prod(shape)
    needed = count * dtype.itemsize
    if needed != len(raw):
        more = "more" if needed > len(raw) else "less"
        raise ValueError(f"array of shape {tuple(shape)} and dtype {dtype} asks for {more} data than was sent")
    if count == 0 or dtype.itemsize == 0:
        return np.zeros(shape, dtype=dtype, order=order)
    flat = np.frombuffer(raw, dtype=dtype, count=count)
    return np.array(flat.reshape(shape, order=order), order=order)  # writable, the sender's order


def _type_name(value) -> str:
    cls = type(value)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


class _Budget:
    """How many more values one message may hold; shared by every level of one encode/decode."""

    def __init__(self):
        self.left = MAX_TOTAL_ITEMS

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def encode(value) -> dict:
    """Turn ``value`` into JSON-able data. Exact type tests only: subclasses are Foreign.

    Containers too large or nested too deep are described (Foreign), not shipped: each level
    costs the grader a stack frame, and the decoder refuses them anyway."""
    return _encode(value, 0, _Budget())


def _encode(value, depth: int, budget: _Budget) -> dict:
    cls = type(value)
    budget.spend()  # this value; a container's items are shipped only if they all fit in what is left
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
        return _array_message("ndarray", value)
    if isinstance(value, np.generic) and cls in np.sctypeDict.values() and not value.dtype.hasobject:
        return _array_message("npscalar", np.asarray(value))
    # Why a value is not carried is sent as a reason and its number, and said where it is decoded:
    # in the grader's language (this side may be the worker's, beside student code).
    if cls in (tuple, list, dict) and depth >= MAX_DEPTH:
        return {"kind": "foreign", "type": cls.__name__, "why": "deep", "count": MAX_DEPTH}
    if cls in (tuple, list, dict) and len(value) > budget.left:
        return {"kind": "foreign", "type": cls.__name__, "why": "past_total", "count": len(value)}
    if cls in (tuple, list):
        if len(value) > MAX_ITEMS:
            return {"kind": "foreign", "type": cls.__name__, "why": "items", "count": len(value)}
        return {"kind": cls.__name__, "items": [_encode(v, depth + 1, budget) for v in value]}
    if cls is dict and all(type(k) is str for k in value) and len(value) <= MAX_ITEMS:
        return {"kind": "dict", "items": {k: _encode(v, depth + 1, budget) for k, v in value.items()}}
    if cls is Polynomial:
        return {"kind": "polynomial", "coeffs": [repr(float(c)) for c in value.coeffs]}
    if cls is LinearPullback:
        return {"kind": "linear_pullback", "matrix": _array_message("ndarray", value.matrix),
                "in_shape": list(value.in_shape), "out_shape": list(value.out_shape)}
    if isinstance(value, np.ndarray):
        return {"kind": "foreign", "type": _type_name(value), "why": "subclass"}
    return {"kind": "foreign", "type": _type_name(value), "detail": ""}


def decode(data: dict):
    """Rebuild a value from :func:`encode`'s output, trusting nothing but its structure.

    Anything malformed raises ValueError, whatever part of it is broken: also nesting deeper than
    MAX_DEPTH (which would otherwise end in a RecursionError) and more than MAX_TOTAL_ITEMS values.
    """
    try:
        return _decode(data, 0, _Budget())
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 -- KeyError, TypeError, MemoryError... from a forged message
        raise ValueError(f"malformed value on the grading channel ({type(exc).__name__}: {exc})") from None


def _decode(data: dict, depth: int, budget: _Budget):
    if depth > MAX_DEPTH:
        raise ValueError(f"value nested more than {MAX_DEPTH} levels deep on the grading channel")
    if not budget.spend():
        raise ValueError(f"more than {MAX_TOTAL_ITEMS} values in one message on the grading channel")
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
        return _array(data)
    if kind == "npscalar":
        scalar = _array(data)
        if scalar.ndim:
            raise ValueError("a numpy scalar sent with a shape")
        return scalar[()]
    if kind in ("tuple", "list"):
        items = [_decode(v, depth + 1, budget) for v in _sequence(data["items"])]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {str(k): _decode(v, depth + 1, budget) for k, v in data["items"].items()}
    if kind == "polynomial":
        return Polynomial(tuple(float(str(c)) for c in _sequence(data["coeffs"])))
    if kind == "linear_pullback":
        return _linear_pullback(data)
    if kind == "foreign":
        return Foreign(str(data.get("type", "?")), _foreign_detail(data))
    raise ValueError(f"unknown value kind {kind!r} on the grading channel")


def _linear_pullback(data: dict) -> LinearPullback:
    """A LinearPullback rebuilt as strictly as an array: a float64 matrix of two dimensions and of
    at most MAX_PULLBACK_ENTRIES entries, whose shape the two shapes sent must give exactly."""
    matrix = data["matrix"]
    shape = matrix.get("shape") if type(matrix) is dict and matrix.get("kind") == "ndarray" else None
    if type(shape) is not list or len(shape) != 2 or not all(type(n) is int and 0 <= n for n in shape) \
            or shape[0] * shape[1] > MAX_PULLBACK_ENTRIES:
        raise ValueError(f"a LinearPullback's matrix must be an array of two dimensions and at most "
                         f"{MAX_PULLBACK_ENTRIES} entries")
    array = _array(matrix)
    if array.dtype != np.float64:
        raise ValueError(f"a LinearPullback's matrix must be float64, not {array.dtype}")
    return LinearPullback(array, _pullback_shape(_sequence(data["in_shape"])),
                          _pullback_shape(_sequence(data["out_shape"])))


def _foreign_detail(data: dict) -> str:
    """What a foreign value's message says of it, in the current language: from its reason and
    number (:func:`_encode`'s, or :func:`autograder.execute.execute_call`'s "unreadable"), each
    read as data; else its ``detail`` as sent."""
    why, count = data.get("why"), data.get("count")
    if why == "subclass":
        return say("an ndarray subclass")
    if why == "unreadable":
        return say("unreadable: {error}", error=str(data.get("error", "")))
    if type(count) is int:
        if why == "deep":
            return say("nested more than {depth} levels deep", depth=count)
        if why == "past_total":
            return say("{count} items, past the {limit} values one value may hold in all", count=count,
                       limit=MAX_TOTAL_ITEMS)
        if why == "items":
            return say("{count} items", count=count)
    return str(data.get("detail", ""))


def _sequence(items) -> list:
    # A forged message could put a string or an object where a list belongs; iterating it would
    # decode its characters or keys instead of refusing it.
    if type(items) is not list:
        raise ValueError(f"a list was expected on the grading channel, not a {type(items).__name__}")
    return items


def dumps(message: dict) -> bytes:
    """One message per line: JSON never contains a raw newline."""
    return json.dumps(message, allow_nan=True).encode("utf-8") + b"\n"


def loads(line: bytes) -> dict:
    """One message, or ValueError for anything else: too long, not UTF-8 JSON, nested too deep
    for the JSON parser (its RecursionError), or not an object."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise ValueError(f"a grading-channel message of {len(line)} bytes (the cap is {MAX_MESSAGE_BYTES})")
    try:
        message = json.loads(line.decode("utf-8"))
    except RecursionError:
        raise ValueError("a grading-channel message nested too deeply to parse") from None
    if not isinstance(message, dict):
        raise ValueError("a grading-channel message must be a JSON object")
    return message
