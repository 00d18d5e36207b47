"""Instructor tooling for the deepgrad course: release, grading, feedback, reports, the demo.

Five layers, each a folder, imports pointing only down (``tests/test_layers.py`` holds them to it):

1. :mod:`deepgrad.base` — course paths, errors, safe handling of student files and text;
2. :mod:`deepgrad.grading` — the verdict: submission + reference results → scores and feedback;
3. :mod:`deepgrad.adapters` — nbgrader's extension points (preprocessors, kernel, gradebook, exporters);
4. :mod:`deepgrad.runs` — one grading run over a class, serial, in job processes or on Dask;
5. :mod:`deepgrad.commands` — the command line, the demo, the release, the bundle, the class report.

Student code never runs in any of these processes: it runs in :mod:`autograder`'s sandboxes.
"""
import sys

# Every deepgrad process imports nbformat, hence jsonschema, which imports rfc3987_syntax where it
# is installed (jupyter-events' jsonschema[format-nongpl] brings it). That module builds three
# Earley parsers as it is imported: 1.5-2 s of CPU in each process (a grading run starts several),
# for the "iri" formats that no notebook or nbgrader schema uses (python-jsonschema/jsonschema#1428).
# A None entry is the import system's documented "not available": jsonschema then goes without
# those two format checks, as wherever that package is absent.
sys.modules.setdefault("rfc3987_syntax", None)
