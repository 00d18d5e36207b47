"""Does every flow of SECURITY.md's threat model name tests, and does each named test exist?"""
from __future__ import annotations

import re

from conftest import ROOT

TEST = re.compile(r"`(tests/test_\w+\.py)::(test_\w+)`")


def _flows() -> list[str]:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]


def test_every_flow_names_a_test():
    flows = _flows()
    assert len(flows) >= 19
    assert [int(line.split("|")[1]) for line in flows] == list(range(1, len(flows) + 1))
    assert not [line[:60] for line in flows if not TEST.search(line.split("|")[-2])]


def test_every_named_test_exists():
    named = {match for line in _flows() for match in TEST.findall(line)}
    missing = [f"{path}::{name}" for path, name in sorted(named)
               if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)]
    assert named and not missing, missing
