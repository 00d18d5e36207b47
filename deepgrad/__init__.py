"""Instructor tooling for the deepgrad course: release, demo grading run, student bundle."""
import sys

# Every deepgrad process imports nbformat, hence jsonschema, which imports rfc3987_syntax where it
# is installed (jupyter-events' jsonschema[format-nongpl] brings it). That module builds three
# Earley parsers as it is imported: 1.5-2 s of CPU in each process (a grading run starts several),
# for the "iri" formats that no notebook or nbgrader schema uses (python-jsonschema/jsonschema#1428).
# A None entry is the import system's documented "not available": jsonschema then goes without
# those two format checks, as wherever that package is absent.
sys.modules.setdefault("rfc3987_syntax", None)
