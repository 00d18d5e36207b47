"""Do the benchmarks (bench/grading.py, bench/cpu.py, bench/selfcheck.py, bench/editions.py,
bench/similar.py) run end to end? Functional checks, not timing ones."""
from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys

import pytest

from conftest import ROOT


def _bench(name: str = "grading"):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_reports_every_case_and_the_cheater_gains_nothing(tmp_path, capsys):
    """Does a small run report the cases asked for with real times, and give the hostile submission
    no more under deepgrad than under plain nbgrader? (No warm-up, and a cluster of one Dask worker:
    a functional check, not a timing one. The honest case is left out: it is the class's code
    path with one student, which --jobs and Dask grade serially.)"""
    out = tmp_path / "bench.json"
    # --timeout 3: the hostile submission's loop spends it at every call and cell that meets it;
    # an honest a01 cell or call takes well under a second, on a busy machine too. A class of 2: the
    # smallest that --jobs grades side by side (one submission is graded serially).
    result = _bench().main(["--assignment", "a01_gradient_descent", "--class-size", "2", "--timeout", "3",
                            "--no-warmup", "--dask-workers", "1", "--cases", "hostile,class",
                            "--workdir", str(tmp_path / "work"), "--json", str(out)])
    cases = {row["case"]: row for row in result["cases"]}
    assert list(cases) == ["hostile", "class of 2"]
    for row in cases.values():
        assert row["nbgrader_s"] > 0 and row["deepgrad_s"] > 0
        assert math.isfinite(row["ratio"]) and row["ratio"] > 0
        assert row["unsandboxed_s"] > 0 and math.isfinite(row["sandbox_s_per_submission"])
        assert row["jobs_s"] > 0 and math.isfinite(row["jobs_ratio"])
        assert row["dask_s"] > 0 and math.isfinite(row["dask_over_jobs"])
    assert cases["class of 2"]["submissions"] == 2
    # honest submissions graded cleanly on every side, and --jobs and the LocalCluster gave the serial verdicts
    assert not cases["class of 2"]["problems"]
    hostile = cases["hostile"]
    assert hostile["deepgrad_scores"][0] is not None
    assert hostile["nbgrader_scores"][0] is not None  # nbgrader finished the notebook (and was fooled)
    assert hostile["deepgrad_scores"][0] <= hostile["nbgrader_scores"][0]
    assert json.loads(out.read_text())["cases"] == result["cases"] and result["warmup"] is False
    assert "class of 2" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a case it does not have: said before anything runs
        _bench().main(["--cases", "hostile,nightly"])
    assert "give some of honest, hostile, class" in capsys.readouterr().err


def test_selfcheck_benchmark_reports_its_fields(tmp_path):
    """Does bench/selfcheck.py time the numpy start, the whole course's self-check and one
    assignment's, each with its spread, the CPU's source and the ratios, on a student's copy of
    the course where every check passes? (One run, no warm-up: a functional check, not a timing one.)"""
    out = tmp_path / "selfcheck.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "selfcheck.py"), "--runs", "1", "--warmup", "0",
                           "--keep", str(tmp_path / "course"), "--json", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    rows = {row["command"]: row for row in result["rows"]}
    assert list(rows) == ["numpy start", "whole course", "one assignment"]
    for row in rows.values():
        assert row["runs"] == 1 and row["cpu_from"] in (["cgroup"], ["rusage"])
        for key in ("wall_s", "cpu_s"):
            assert 0 < row[key]["min"] <= row[key]["median"] <= row[key]["max"]
    assert len(result["ratios"]) == 4 and all(math.isfinite(r) and r > 0 for r in result["ratios"].values())
    assert result["problems"] == []  # every run passed every check
    assert result["checks"]["whole course"] > result["checks"]["one assignment"] > 0
    assert (tmp_path / "course" / "assignments").is_dir() and not (tmp_path / "course" / "solutions").exists()
    assert "ratios of medians" in done.stdout


def test_editions_benchmark_reports_both_editions(tmp_path):
    """Does bench/editions.py run a01 in English and in 繁體中文, report each edition's wall and
    CPU time and their ratio, find no problem, and list each edition over a ceiling set on the
    run (here one no run can meet, 0.01 s: the exit status is then 1)? (One run: a functional
    check, not a timing one.)"""
    out = tmp_path / "editions.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "editions.py"), "--runs", "1", "--assignment", "a01",
                           "--ceiling", "a01=0.01", "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["problems"] == [] and list(result["results"]) == ["a01_gradient_descent"]
    row = result["results"]["a01_gradient_descent"]
    for edition in ("en", "zh-TW"):
        assert row[edition]["wall"] > 0 and row[edition]["cpu"] > 0
    assert math.isfinite(row["ratio"]["wall"]) and row["ratio"]["wall"] > 0
    assert row["ceiling"] == 0.01 and len(result["over_ceiling"]) == 2  # both editions
    assert "within 0.01 s: NO" in done.stdout and "OVER THE CEILING: a01_gradient_descent (en)" in done.stdout


def test_cpu_benchmark_measures_every_side_in_both_modes_with_the_same_scores(tmp_path, capsys):
    """Does a small run of bench/cpu.py give, for each mode, every side's CPU and wall time and its
    ratio to plain nbgrader's, measured in the one run, with every submission scored alike? Where a
    cpuacct cgroup could be made, does it count what rusage cannot (the sandboxed processes'
    CPU), and did every process of each side end? (Marginal mode without its warm-up: a functional
    check, not a timing one. A class of 1: the bench's code is the same for any size; that --jobs
    grades side by side what it would grade serially is tests/test_parallel_grading.py's to show.)"""
    out = tmp_path / "cpu.json"
    result = _bench("cpu").main(["--assignment", "a01_gradient_descent", "--class-size", "1", "--jobs", "2",
                                 "--no-warmup", "--workdir", str(tmp_path / "work"), "--json", str(out)])
    assert list(result["modes"]) == ["command", "marginal"] and result["warmup"] is False
    assert not result["problems"]  # no side failed, and every side gave plain nbgrader's scores
    for mode, table in result["modes"].items():
        assert list(table) == ["nbgrader", "deepgrad", "jobs"]
        assert [run["ratio"] for run in table["nbgrader"]["runs"]] == [1.0]
        for side, row in table.items():
            (run,) = row["runs"]
            assert run["scores"] == [16.0], (mode, side)
            assert run["cpu_s"] > 0 and run["wall_s"] > 0 and run["rusage_cpu_s"] > 0
            assert run["cpu_per_submission_s"] == pytest.approx(run["cpu_s"])
            assert math.isfinite(run["ratio"]) and run["ratio"] > 0 and math.isfinite(run["wall_ratio"])
            assert row["ratio"]["min"] <= row["ratio"]["median"]
            assert run["measure"] in ("cgroup", "rusage")
            if mode == "command":
                assert run.get("left_running") == 0  # the whole tree ended: nothing of it went uncounted
            if run["measure"] == "cgroup" and side != "nbgrader":
                assert run["cpu_s"] > run["rusage_cpu_s"]  # the sandboxed workers, which rusage misses
        assert table["deepgrad"]["runs"][0]["grading_process_s" if mode == "marginal" else "cpu_s"] > 0
    assert json.loads(out.read_text())["modes"].keys() == result["modes"].keys()
    shown = capsys.readouterr().out
    assert "marginal deepgrad" in " ".join(shown.split()) and "command  jobs" in shown


def test_similarity_benchmark_times_each_size_and_keeps_the_measurement(tmp_path, capsys):
    """Does a small run of bench/similar.py time each step of `deepgrad similar` at each class size,
    and the command, say how the time grows, and find every planted copy above every pair of
    independent students? (One run: a functional check, not a timing one.)"""
    out = tmp_path / "similar.json"
    result = _bench("similar").main(["--sizes", "20", "30", "--runs", "1", "--workdir", str(tmp_path / "work"),
                                     "--json", str(out)])
    rows = result["rows"]
    assert [row["size"] for row in rows] == [20, 30] and result["problems"] == []
    for row in rows:
        assert all(row[step]["wall"] > 0 and row[step]["cpu"] >= 0 for step in ("read", "compare", "write"))
        assert row["command_wall"] > 0 and row["pairs"] == row["size"] * (row["size"] - 1) // 2
        assert row["listed"] >= 7 and row["planted_lowest"] > row["independent_highest"]
    assert math.isfinite(rows[1]["growth"]) and "growth" not in rows[0]
    assert json.loads(out.read_text())["rows"] == rows
    assert "planted ≥ / independent ≤" in capsys.readouterr().out
