"""A submission's notebook metadata made to the types nbformat's schema gives them.

A student's notebook is any JSON, and its metadata too: duplicate tags, a number where a flag
belongs. nbformat's validation refuses such a notebook, and nbgrader and nbconvert validate at
every step, so one odd field stopped nbgrader's run of the notebook and left the student without a
feedback page. :func:`make_valid` repairs just those fields, before nbgrader runs the notebook
(:class:`deepgrad.adapters.preprocessors.TrustedVerdict`) and before any page is made of it
(:func:`deepgrad.adapters.untrusted_outputs.make_inert`).
"""
from __future__ import annotations


def _is(kind):
    return lambda value: isinstance(value, kind)


_CELL_FIELDS = {"collapsed": _is(bool), "scrolled": lambda v: isinstance(v, bool) or v == "auto", "name": _is(str),
                "format": _is(str), "editable": _is(bool), "deletable": _is(bool)}
_NOTEBOOK_FIELDS = {"title": _is(str), "orig_nbformat": lambda v: type(v) is int,
                    "authors": lambda v: isinstance(v, list) and all(isinstance(a, dict) for a in v)}
MAX_TAGS = 64


def _typed(metadata, fields) -> dict:
    """``metadata`` (any JSON) as an object without the ``fields`` whose value fails its test."""
    if not isinstance(metadata, dict):
        return {}
    return {k: v for k, v in metadata.items() if k not in fields or fields[k](v)}


def valid_metadata(metadata) -> dict:
    """A cell's metadata with every field nbformat's schema types made valid: tags unique strings
    without commas (at most :data:`MAX_TAGS`), ``jupyter`` and ``execution`` objects of the kinds
    the schema allows, the typed fields dropped when of another type; anything else kept."""
    kept = _typed(metadata, _CELL_FIELDS)
    if "tags" in kept:
        tags = kept["tags"] if isinstance(kept["tags"], list) else []
        kept["tags"] = list(dict.fromkeys(t for t in tags if isinstance(t, str) and t and "," not in t))[:MAX_TAGS]
    for key, allowed in (("jupyter", (bool,)), ("execution", (str,))):
        if key in kept:
            value = kept[key] if isinstance(kept[key], dict) else {}
            kept[key] = {k: v for k, v in value.items() if isinstance(v, allowed)}
    return kept


def make_valid(nb) -> None:
    """The notebook's and its cells' metadata as nbformat's schema types them, in place, so that
    nbgrader and nbconvert take the notebook (:func:`valid_metadata`); its widget state dropped."""
    nb["metadata"] = _typed(nb.get("metadata"), _NOTEBOOK_FIELDS)
    nb["metadata"].pop("widgets", None)  # the page would load a widget manager to render its state
    for cell in nb["cells"]:
        if isinstance(cell, dict):
            cell["metadata"] = valid_metadata(cell.get("metadata"))
