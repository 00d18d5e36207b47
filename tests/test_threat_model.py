"""Does every flow of the threat model (docs/security.md's table) name tests, and does each named
test exist?"""
from __future__ import annotations

import re

from conftest import ROOT

TEST = re.compile(r"`(tests/test_\w+\.py)::(test_\w+)`")
# The one home of the threat model; SECURITY.md points to it.
THREAT_MODEL = ROOT / "docs" / "security.md"


def _flows() -> list[str]:
    text = THREAT_MODEL.read_text(encoding="utf-8")
    return [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]


def test_every_flow_names_a_test():
    flows = _flows()
    assert len(flows) >= 19
    assert [int(line.split("|")[1]) for line in flows] == list(range(1, len(flows) + 1))
    assert not [line[:60] for line in flows if not TEST.search(line.split("|")[-2])]


def test_every_named_test_exists():
    named = {match for line in _flows() for match in TEST.findall(line)}
    missing = [f"{path}::{name}" for path, name in sorted(named)
               if not (ROOT / path).is_file()
               or not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)]
    assert named and not missing, missing


def test_security_md_points_to_the_threat_model():
    assert "docs/security.md" in (ROOT / "SECURITY.md").read_text(encoding="utf-8")
