"""How long each reference notebook takes to run top to bottom, in English and in 繁體中文.

    python bench/editions.py [--runs 3] [--assignment a01 ...] [--ceiling a01=10 ...] [--json PATH]

Issue 32 asks both editions of every assignment to run top to bottom within the time the English
one takes. For each assignment, this runs the reference notebook (``solutions/``) and the same
notebook translated by its catalogue (``translations/zh_TW/``), taking turns run after run, each
in a fresh kernel, as ``tests/test_notebooks.py`` runs them (nbclient, nbgrader's cell timeout,
the kernel killed once the last cell has run). It reports, per assignment and edition, the median
wall time and CPU time (this process's children: the kernels, reaped), and the ratio of the
繁體中文 edition's medians to the English ones'. Every run must finish without an error, and the
繁體中文 one without a "Glyph ... missing" warning; a run that does not is listed as a problem.

Some assignments' issues also bound their reference notebook's whole run (``CEILINGS``: a08 within
60 s, a09 within 20 s); each edition's median is set against that bound, and one over it is
listed (and the exit status is 1). This is where that bound is measured: not in a test, whose
time would depend on whatever else the machine runs.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepgrad.base.catalogues import catalogue_path, read_catalogue, translated_notebook  # noqa: E402

LANGUAGE = "zh-TW"
CELL_TIMEOUT = 30
# The bound an assignment's issue sets on its reference notebook's run, top to bottom (seconds).
CEILINGS = {"a08": 60.0, "a09": 20.0}


def notebook(name: str, language: str):
    path = ROOT / "solutions" / name / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    if language != "en":
        nb = translated_notebook(nb, read_catalogue(catalogue_path(ROOT, language, name)), language, str(path))
    return nb, path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(name: str, language: str) -> tuple[float, float, str]:
    """(wall s, CPU s of the kernel, problem or "") of one run top to bottom."""
    nb, path = notebook(name, language)
    cpu, started = children_cpu(), time.perf_counter()
    try:
        NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", shutdown_kernel="immediate",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        problem = ""
    except Exception as exc:  # noqa: BLE001 -- reported, not raised: the other runs go on
        problem = f"{type(exc).__name__}: {str(exc)[-200:]}"
    wall = time.perf_counter() - started
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:  # the killed kernel, so that its CPU time is counted
            pass
    except ChildProcessError:
        pass
    texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    if any("missing from font" in t for t in texts):
        problem = problem or "a glyph is missing from the figures' fonts"
    return wall, children_cpu() - cpu, problem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--assignment", action="append", help="a01, a02, ... (default: every one)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--ceiling", action="append", default=[], metavar="a08=60",
                        help="a bound of your own on an assignment's run, in seconds (beside CEILINGS)")
    args = parser.parse_args(argv)
    ceilings = dict(CEILINGS)
    for given in args.ceiling:
        assignment, _, seconds = given.partition("=")
        try:
            ceilings[assignment] = float(seconds)
        except ValueError:
            parser.error(f"--ceiling {given!r}: give an assignment and seconds, as a08=60")
    names = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    if args.assignment:
        names = [n for n in names if n.split("_")[0] in args.assignment]
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    results, problems, over = {}, [], []
    for name in names:
        runs: dict[str, list[tuple[float, float]]] = {"en": [], LANGUAGE: []}
        for _ in range(args.runs):
            for language in runs:
                wall, cpu, problem = run(name, language)
                runs[language].append((wall, cpu))
                if problem:
                    problems.append(f"{name} ({language}): {problem}")
        medians = {lang: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
                   for lang, r in runs.items()}
        (en_wall, en_cpu), (zh_wall, zh_cpu) = medians["en"], medians[LANGUAGE]
        ceiling = ceilings.get(name.split("_")[0])
        results[name] = {"en": {"wall": en_wall, "cpu": en_cpu}, LANGUAGE: {"wall": zh_wall, "cpu": zh_cpu},
                         "ratio": {"wall": zh_wall / en_wall, "cpu": zh_cpu / en_cpu if en_cpu else None},
                         "ceiling": ceiling}
        over += [f"{name} ({lang}): {medians[lang][0]:.1f} s, over its issue's {ceiling:g} s"
                 for lang in medians if ceiling is not None and medians[lang][0] > ceiling]
        bound = f"   within {ceiling:g} s: {'yes' if max(en_wall, zh_wall) <= ceiling else 'NO'}" if ceiling else ""
        print(f"{name:<28} en {en_wall:5.2f} s wall {en_cpu:5.2f} s cpu   zh-TW {zh_wall:5.2f} s wall "
              f"{zh_cpu:5.2f} s cpu   ratio {zh_wall / en_wall:4.2f} / {zh_cpu / en_cpu if en_cpu else float('nan'):4.2f}"
              f"{bound}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    for line in over:
        print(f"OVER THE CEILING: {line}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "problems": problems, "over_ceiling": over}, indent=1))
    return 1 if problems or over else 0


if __name__ == "__main__":
    sys.exit(main())
