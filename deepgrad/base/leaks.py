"""The leak scan: no line of reference code or hidden test may reach what students receive."""
from __future__ import annotations

import json
import re
from pathlib import Path

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
BLOCKS = (SOLUTION, HIDDEN)
STUDENT_FOLDERS = ("assignments", "assignments-zh-TW", "autograder", "dlkit", "source_data")
# Released only when the instructor releases that edition (`deepgrad release --lang zh-TW`, or all)
OPTIONAL_STUDENT_FOLDERS = ("assignments-zh-TW",)
MIN_LENGTH = 24  # shorter lines (`return s`) are too common to mean anything


def secret_lines(solutions: Path, blocks=BLOCKS) -> set[str]:
    """Every distinctive line inside a solution or hidden-test block of the source notebooks."""
    secret = set()
    for path in sorted(Path(solutions).rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            for begin, end in blocks:
                for block in re.findall(re.escape(begin) + r"(.*?)" + re.escape(end), src, re.S):
                    for line in block.splitlines():
                        line = line.strip()
                        if len(line) >= MIN_LENGTH and not line.startswith(("#", '"', "'")):
                            secret.add(line)
    return secret


def scan(root: Path, secret: set[str], folders=STUDENT_FOLDERS) -> list[str]:
    """``file: line`` for each secret line found in the student-facing folders under ``root``."""
    hits = []
    for folder in folders:
        for path in sorted((Path(root) / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            hits += [f"{path}: {line}" for line in sorted(secret) if line in text]
    return hits
