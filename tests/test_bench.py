"""Does the grading benchmark (bench/grading.py) run end to end? A functional check, not a timing one."""
from __future__ import annotations

import importlib.util
import json
import math

from conftest import ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("bench_grading", ROOT / "bench" / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_reports_every_case_and_the_cheater_gains_nothing(tmp_path, capsys):
    """Does a small run report the three cases with real times, and give the hostile submission
    no more under deepgrad than under plain nbgrader?"""
    out = tmp_path / "bench.json"
    # --timeout 3: the hostile submission's loop spends it at every call and cell that meets it;
    # an honest a01 cell or call takes well under a second, on a busy machine too.
    result = _bench().main(["--assignment", "a01_gradient_descent", "--class-size", "2", "--timeout", "3",
                            "--workdir", str(tmp_path / "work"), "--json", str(out)])
    cases = {row["case"]: row for row in result["cases"]}
    assert list(cases) == ["honest", "hostile", "class of 2"]
    for row in cases.values():
        assert row["nbgrader_s"] > 0 and row["deepgrad_s"] > 0
        assert math.isfinite(row["ratio"]) and row["ratio"] > 0
        assert row["unsandboxed_s"] > 0 and math.isfinite(row["sandbox_s_per_submission"])
        assert row["jobs_s"] > 0 and math.isfinite(row["jobs_ratio"])
        assert row["dask_s"] > 0 and math.isfinite(row["dask_over_jobs"])
    assert cases["class of 2"]["submissions"] == 2
    assert not cases["class of 2"]["problems"]  # --jobs and the LocalCluster gave the serial verdicts
    assert not cases["honest"]["problems"]  # an honest submission grades cleanly on both sides
    hostile = cases["hostile"]
    assert hostile["deepgrad_scores"][0] is not None
    assert hostile["nbgrader_scores"][0] is not None  # nbgrader finished the notebook (and was fooled)
    assert hostile["deepgrad_scores"][0] <= hostile["nbgrader_scores"][0]
    assert json.loads(out.read_text())["cases"] == result["cases"]
    assert "class of 2" in capsys.readouterr().out
