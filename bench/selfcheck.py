"""How long the student's self-check takes: `pytest autograder`, the whole course and one assignment.

    python bench/selfcheck.py [--runs 5] [--warmup 1] [--assignment a01] [--course PATH]
                              [--json PATH] [--keep DIR]

It copies what a student has (``autograder/``, ``dlkit/``, ``source_data/``) from the course into a
work folder, with the reference solutions as ``assignments/``, and there runs the student's own
commands, as they are written in the README:

- **numpy start**: ``python -c "import numpy"``, the yardstick: the cheapest Python process that
  does anything numerical, on this machine, now;
- **whole course**: ``pytest autograder``, every assignment's public checks;
- **one assignment**: ``pytest autograder -m a01`` (``--assignment``).

The three take turns, run after run, after ``--warmup`` untimed rounds (in which Python writes the
work folder's bytecode caches, as it does on a student's machine: ``PYTHONDONTWRITEBYTECODE`` is
left out of the commands' environment). Each run is timed from outside, start-up included:

- **wall**: ``time.perf_counter`` around the command, from its start to its exit;
- **CPU**: user + system seconds of the command and every process under it. Where a cgroup v1
  ``cpuacct`` hierarchy is writable (as root on most Linux machines), each run starts in a fresh
  group of its own, which counts every process in it, sandboxed ones included (``cpu from:
  cgroup``). Elsewhere (``cpu from: rusage``) this script makes itself a *child subreaper* and
  reads ``RUSAGE_CHILDREN`` after reaping what the run left: that counts every process that
  ended on its own, but not a sandbox that was killed (bwrap does not wait for its own init, and a
  sandbox killed takes its CPU time with it), so it undercounts the self-check of before
  2026-12-07, which killed each notebook's sandbox (``time`` and ``/usr/bin/time`` see even less:
  not the sandboxes at all).

Every figure is given as min / median / max over the runs: quote the median, with the machine's
load average (printed before and after: other work on the machine slows every figure). The
ratios divide the self-check's medians by the numpy start's, so that they travel between machines
better than seconds do. Each self-check run must pass every check (the reference answers); a run
that does not is listed as a problem. Nothing here asserts on a time.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
STUDENT_FOLDERS = ("autograder", "dlkit", "source_data")
CPUACCT = Path("/sys/fs/cgroup/cpuacct")
PR_SET_CHILD_SUBREAPER = 36


def student_course(course: Path, into: Path) -> Path:
    """A student's course in ``into``: the toolkit and the self-check, the solutions as answers."""
    for name in STUDENT_FOLDERS:
        shutil.copytree(course / name, into / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache"))
    for notebook in sorted((course / "solutions").glob("a[0-9][0-9]_*/a[0-9][0-9]_*.ipynb")):
        folder = into / "assignments" / notebook.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, folder / notebook.name)
    return into


class CpuGroup:
    """A fresh cgroup v1 cpuacct group for one run, or None where none can be made."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def make(cls) -> CpuGroup | None:
        parent = CPUACCT / _own_cgroup("cpuacct").lstrip("/")
        if not (parent / "cpuacct.usage").is_file() or not os.access(parent, os.W_OK):
            return None
        path = parent / f"deepgrad-bench-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except OSError:
            return None
        return cls(path)

    def join(self) -> None:  # in the child, between fork and exec
        (self.path / "cgroup.procs").write_text("0")

    def seconds(self) -> float:
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def remove(self) -> None:
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)


def _own_cgroup(controller: str) -> str:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _, controllers, where = line.split(":", 2)
        if controller in controllers.split(","):
            return where
    return "/"


def _reap_orphans(seconds: float = 5.0) -> None:
    """Wait for what a run left to this subreaper (bwrap's inits), so that its CPU is counted."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


SCORE = re.compile(r'^\{"score".*\}$', re.MULTILINE)


def run_once(argv: list[str], cwd: Path, env: dict) -> dict:
    """One timed run: wall, CPU (and where it came from), exit status, the score line if any."""
    group = CpuGroup.make()
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, preexec_fn=group.join if group else None)
    wall = time.perf_counter() - started
    _reap_orphans()
    after = os.times()
    rusage = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    run = {"wall_s": wall, "cpu_s": rusage, "cpu_from": "rusage", "cpu_rusage_s": rusage,
           "returncode": done.returncode}
    if group is not None:
        run.update(cpu_s=group.seconds(), cpu_from="cgroup")
        group.remove()
    scores = SCORE.findall(done.stdout.decode(errors="replace"))
    run["score"] = json.loads(scores[-1]) if scores else None
    return run


def spread(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--assignment", default="a01", help="the one assignment: its marker (default a01)")
    parser.add_argument("--course", type=Path, default=COURSE, help="the course to copy (default: this one)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep", type=Path, help="make the student's course in this new folder and keep it")
    args = parser.parse_args(argv)

    if sys.platform == "linux":  # what a run leaves behind is reparented here, and reaped
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = Path(tempfile.mkdtemp(prefix="deepgrad-selfcheck-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        course = student_course(args.course.resolve(), work)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        commands = {
            "numpy start": [sys.executable, "-c", "import numpy"],
            "whole course": [sys.executable, "-m", "pytest", "autograder"],
            "one assignment": [sys.executable, "-m", "pytest", "autograder", "-m", args.assignment],
        }
        runs: dict[str, list[dict]] = {name: [] for name in commands}
        load = [os.getloadavg()[0]]  # the machine's 1-minute load average, before and after
        for round_ in range(args.warmup + args.runs):
            for name, command in commands.items():
                run = run_once(command, course, env)
                if round_ >= args.warmup:
                    runs[name].append(run)
        load.append(os.getloadavg()[0])
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    result = {**summarise(runs, args), "load_average": load}
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def summarise(runs: dict[str, list[dict]], args) -> dict:
    rows = {}
    for name, done in runs.items():
        rows[name] = {"command": name, "runs": len(done), "wall_s": spread([r["wall_s"] for r in done]),
                      "cpu_s": spread([r["cpu_s"] for r in done]),
                      "cpu_from": sorted({r["cpu_from"] for r in done}),
                      "cpu_rusage_s": spread([r["cpu_rusage_s"] for r in done])}
    problems = []
    for name in ("whole course", "one assignment"):
        for i, run in enumerate(runs[name]):
            score = run["score"] or {}
            if run["returncode"] != 0 or score.get("score") != score.get("max_score") or not score:
                problems.append(f"{name}, run {i + 1}: exit status {run['returncode']}, score line {run['score']}")
    base = rows["numpy start"]
    ratios = {f"{name} / numpy start, {what}": rows[name][key]["median"] / base[key]["median"]
              for name in ("whole course", "one assignment") for what, key in (("wall", "wall_s"), ("cpu", "cpu_s"))}
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": os.cpu_count(), "usable_cpus": usable, "assignment": args.assignment,
            "warmup": args.warmup, "rows": list(rows.values()), "ratios": ratios, "problems": problems,
            "checks": {name: (runs[name][0]["score"] or {}).get("public_checks_total") for name in runs
                       if name != "numpy start" and runs[name]}}


def report(result: dict) -> str:
    def three(s: dict) -> str:
        return f"{s['min']:6.2f} {s['median']:6.2f} {s['max']:6.2f}"

    lines = [f"pytest autograder on the reference answers, {result['usable_cpus']} usable CPUs, "
             f"{result['rows'][0]['runs']} runs after {result['warmup']} warm-up, load average "
             f"{result['load_average'][0]:.1f} before, {result['load_average'][1]:.1f} after",
             f"{'command':<16}{'wall s: min median max':>24}{'cpu s: min median max':>24}  cpu from"]
    for row in result["rows"]:
        name = row["command"] + (f" ({result['assignment']})" if row["command"] == "one assignment" else "")
        lines.append(f"{name:<22}{three(row['wall_s']):>18}{three(row['cpu_s']):>24}  {', '.join(row['cpu_from'])}")
    lines.append("ratios of medians: " + "; ".join(f"{k} {v:.1f}" for k, v in result["ratios"].items()))
    lines += [f"problem: {p}" for p in result["problems"]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
