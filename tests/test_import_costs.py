"""What every deepgrad process is spared as it starts (see deepgrad/__init__.py)."""
from __future__ import annotations

import subprocess
import sys


def test_deepgrad_processes_skip_jsonschemas_iri_parsers():
    """Importing deepgrad first keeps jsonschema (through nbformat) from importing rfc3987_syntax,
    which builds its parsers at import (~2 s per process); notebooks validate as before."""
    script = """
import deepgrad, sys, nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
nbformat.validate(nb)
print(sys.modules.get("rfc3987_syntax", "absent"))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         check=True).stdout.split()
    assert out == ["None"]
