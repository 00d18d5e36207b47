"""How long `deepgrad similar` takes, and how its time grows with the class.

    python bench/similar.py [--sizes 25 50 100 200] [--runs 3] [--workdir DIR] [--json PATH]

For each size N, a class of assignment 1 is made as tests/test_similar.py makes its classes
(tests/similar_class.py: N − 7 independently written answer sets, a third of them buggy, and the
7 planted copies; the grading report's rows written directly, nothing graded), then compared:

- **in process**: the steps of ``deepgrad similar`` one after another, each timed (the median of
  ``--runs``): reading every notebook and making its fingerprints (``read``), comparing every pair
  and gathering the evidence of those worth a look (``compare``), and writing the page and the CSV
  (``write``); wall and CPU time of this process;
- **command**: ``python -m deepgrad similar ASSIGNMENT`` in the class's folder, once, start-up
  (imports) included: what an instructor waits for.

It prints, per size, the seconds, the seconds per submission and per thousand pairs, and how the
time grows: the exponent k of time ∝ N^k between one size and the next (1: linear in the
submissions, 2: linear in the pairs). It also checks the measurement of tests/test_similar.py at
each size: every planted copy above every pair of independent students, or a problem is listed.
Nothing here asserts on a time.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from deepgrad.commands.similar import gather, write_table  # noqa: E402
from deepgrad.commands.similar_page import render_html  # noqa: E402
from deepgrad.grading.similarity import LOOK, compare  # noqa: E402
from similar_class import A01, PLANTED, make_class, write_course  # noqa: E402

STEPS = ("read", "compare", "write")
SEPARATION = 30.0  # the measurement compares the pairs scoring this or more


def timed(step, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = step(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def in_process(root: Path) -> tuple[dict, object, object]:
    """Each step's (wall, CPU) seconds, the comparison, and what was read."""
    gathered, *read = timed(gather, root, A01)
    comparison, *compared = timed(compare, gathered.students, gathered.public, LOOK)

    def write():
        (root / f"similar_{A01}.html").write_text(render_html(gathered, comparison, LOOK), encoding="utf-8")
        write_table(comparison, root / f"similar_{A01}.csv")

    _, *written = timed(write)
    return dict(zip(STEPS, (read, compared, written))), comparison, gathered


def command(root: Path) -> float:
    (root / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "deepgrad", "similar", A01], cwd=root, capture_output=True,
                          text=True, timeout=1800, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if done.returncode:
        raise RuntimeError(f"deepgrad similar failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def separation(made, gathered) -> tuple[float, float]:
    """(the lowest score of a planted copy's pair, the highest of a pair of independent students),
    among the pairs scoring at least SEPARATION (below it, 0)."""
    scores = {frozenset((p.a.who, p.b.who)): p.score for p in compare(gathered.students, look=SEPARATION).pairs}
    planted = min(scores.get(frozenset((copy, source)), 0.0) for _, copy, source in made.planted)
    independent = max((score for pair, score in scores.items() if pair <= set(made.independent)), default=0.0)
    return planted, independent


def measure(size: int, runs: int, workdir: Path) -> dict:
    made = make_class(size - len(PLANTED) - 1, seed=size)
    root = write_course(workdir / f"class-{size}", made)
    times = {step: [] for step in STEPS}
    for _ in range(runs):
        steps, comparison, gathered = in_process(root)
        for step, wall_cpu in steps.items():
            times[step].append(wall_cpu)
    row = {"size": len(made.bugs), "pairs": comparison.compared, "listed": len(comparison.pairs)}
    for step in STEPS:
        row[step] = {"wall": statistics.median(w for w, _ in times[step]), "cpu": statistics.median(c for _, c in times[step])}
    row["total"] = {kind: sum(row[step][kind] for step in STEPS) for kind in ("wall", "cpu")}
    row["command_wall"] = command(root)
    row["planted_lowest"], row["independent_highest"] = map(float, separation(made, gathered))
    return row


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="a new folder for the classes (default: a temporary one)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="deepgrad-bench-similar-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"deepgrad similar, {A01}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"median of {args.runs} run(s)")
    print(f"{'N':>5} {'pairs':>7} {'listed':>6} {'read s':>7} {'compare s':>9} {'write s':>7} {'total s':>7} {'cpu s':>6} "
          f"{'command s':>9} {'ms/sub':>7} {'ms/kpair':>8} {'growth k':>8}  planted ≥ / independent ≤")
    rows, problems = [], []
    for size in args.sizes:
        row = measure(size, args.runs, workdir)
        if rows:
            before = rows[-1]
            row["growth"] = math.log(row["total"]["wall"] / before["total"]["wall"]) / math.log(row["size"] / before["size"])
        rows.append(row)
        if row["planted_lowest"] <= row["independent_highest"]:
            problems.append(f"N = {row['size']}: a planted copy scores {row['planted_lowest']:.1f}, an independent "
                            f"pair {row['independent_highest']:.1f}")
        print(f"{row['size']:>5} {row['pairs']:>7} {row['listed']:>6} {row['read']['wall']:>7.2f} {row['compare']['wall']:>9.2f} "
              f"{row['write']['wall']:>7.2f} {row['total']['wall']:>7.2f} {row['total']['cpu']:>6.2f} "
              f"{row['command_wall']:>9.2f} {1000 * row['total']['wall'] / row['size']:>7.1f} "
              f"{1000 * row['total']['wall'] / (row['pairs'] / 1000):>8.1f} "
              f"{row.get('growth', float('nan')):>8.2f}  {row['planted_lowest']:.0f} / {row['independent_highest']:.0f}",
              flush=True)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    result = {"assignment": A01, "runs": args.runs, "rows": rows, "problems": problems}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    sys.exit(1 if main()["problems"] else 0)
