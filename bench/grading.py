"""Wall time of `deepgrad autograde` against plain `nbgrader autograde`, on the same notebooks.

    python bench/grading.py [--assignment a01_gradient_descent] [--class-size 50] [--jobs N]
                            [--dask-workers 2] [--timeout 5] [--no-warmup] [--cases honest,hostile,class]
                            [--workdir DIR] [--json PATH]

Three cases: one honest submission, one hostile one, a class of N honest ones. Each is graded
five times in this one run, in identical copies of the course: by plain nbgrader autograde (its
own API, the code behind `nbgrader autograde`, with nbgrader's stock kernel and preprocessors),
by `deepgrad.runs.autograde.autograde` one submission at a time (a sandboxed nbgrader pass with the
trusted verdict in sandboxed workers), by the same with ``jobs`` = the usable cores (as
`deepgrad autograde` runs by default), by the same on a Dask LocalCluster of two worker
processes, and serially with ``sandboxed=False``. The ratio deepgrad / nbgrader is what trust
costs; (deepgrad - unsandboxed) / submissions is what the bubblewrap sandbox adds to each
submission; dask / --jobs is what sending the jobs through Dask costs. The instructor's course
and gradebook are never touched. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import deepgrad  # noqa: F401 -- before nbgrader imports nbformat: see deepgrad/__init__.py
from nbgrader.api import Gradebook, MissingEntry

from autograder.sandbox import Limits
from deepgrad.runs.autograde import autograde
from deepgrad.base.errors import CourseError
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.base.course_files import copy_course, find_root, notebook, usable_cores
from deepgrad.commands.release import generate_release
from deepgrad.commands.submissions import BUGS, answered, read, reference_answers, with_bug, write

# The hostile submission: the demo's realistic bug (deepgrad.commands.submissions.BUGS), hidden from the
# in-kernel tests by patching numpy's comparisons, megabytes printed, and an endless loop.
PATCH_NUMPY = '''import numpy as np, numpy.testing
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.testing.assert_allclose = np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
print("x" * 4_000_000)  # 4 MB of output
'''
LOOP = "    while True:\n        pass\n"
LOOP_SWALLOWING_INTERRUPTS = ("    while True:\n        try:\n            while True:\n                pass\n"
                              "        except KeyboardInterrupt:\n            pass\n")


CASES = ("honest", "hostile", "class")  # the kinds of case: the first word of each case's name


def make_course(root: Path, dest: Path, assignment: str) -> Path:
    """A copy of the course holding only ``assignment``, its release generated (which also
    enters it in the copy's gradebook)."""
    course = copy_course(root, dest)
    if not notebook(course, "solutions", assignment).is_file():
        raise CourseError(f"no assignment {assignment} in {root / 'solutions'}")
    for other in (course / "solutions").iterdir():
        if other.is_dir() and other.name != assignment:
            shutil.rmtree(other)
    generate_release(course)
    return course


def hostile_answers(answers: dict[str, str], assignment: str, swallow: bool) -> dict[str, str]:
    """The reference answers made hostile: see PATCH_NUMPY; the last answer cell loops forever."""
    hostile = with_bug(answers, assignment.split("_")[0])
    first, last = list(hostile)[0], list(hostile)[-1]
    hostile[first] = PATCH_NUMPY + hostile[first]
    header = next(line for line in hostile[last].splitlines() if line.startswith("def "))
    hostile[last] = header + "\n" + (LOOP_SWALLOWING_INTERRUPTS if swallow else LOOP)
    return hostile


def make_submissions(course: Path, assignment: str, class_size: int, swallow: bool = False) -> dict[str, list[str]]:
    """Write submitted/<student>/<assignment>/ from the release; the students of each case."""
    if assignment.split("_")[0] not in BUGS:
        raise CourseError(f"no planted bug for {assignment} in deepgrad.commands.submissions.BUGS")
    release = read(notebook(course, "assignments", assignment))
    answers = reference_answers(read(notebook(course, "solutions", assignment)))
    cases = {"honest": ["honest"], "hostile": ["hostile"],
             f"class of {class_size}": [f"student{i:03d}" for i in range(1, class_size + 1)]}
    for student in ["warmup", "honest", *cases[f"class of {class_size}"]]:
        write(answered(release, answers), notebook(course, f"submitted/{student}", assignment))
    write(answered(release, hostile_answers(answers, assignment, swallow)),
          notebook(course, "submitted/hostile", assignment))
    return cases


def scores(course: Path, assignment: str, students: list[str]) -> tuple[list[float | None], float]:
    """Each student's total in the gradebook (None: no automatic score, e.g. nbgrader gave up),
    and the assignment's maximum."""
    found = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            try:
                auto = [g.auto_score for g in gradebook.find_submission(assignment, student).notebooks[0].grades]
            except MissingEntry:
                auto = [None]
            found.append(None if None in auto else float(sum(auto)))
        return found, float(gradebook.find_assignment(assignment).max_score)


def nbgrader_autograde(grader: Nbgrader, assignment: str, student: str) -> None:
    """Plain `nbgrader autograde ASSIGNMENT --student STUDENT --force`, through nbgrader's own API
    (in-process, so neither side pays nbgrader's start-up per command), with nothing of deepgrad."""
    result = grader.api.autograde(assignment, student, force=True, create=True)
    if not result.get("success"):
        raise CourseError(f"nbgrader autograde {assignment} {student} failed: "
                          f"{(result.get('error') or '').strip().splitlines()[-1:]}")


def time_plain(grader: Nbgrader, assignment: str, students: list[str]) -> tuple[float, list[str]]:
    """Seconds for nbgrader's autograde of these students, one after another (as nbgrader does)."""
    problems = []
    started = time.perf_counter()
    for student in students:
        try:
            nbgrader_autograde(grader, assignment, student)
        except CourseError as exc:  # nbgrader gave up on this submission; it still took the time
            problems.append(f"nbgrader: {exc}")
    return time.perf_counter() - started, problems


def time_deepgrad(grader: Nbgrader, course: Path, assignment: str, students: list[str],
                  limits: Limits, sandboxed: bool = True, jobs: int = 1,
                  scheduler: str | None = None) -> tuple[float, list]:
    """Seconds for `deepgrad autograde --jobs N` (or `--scheduler ADDRESS`) of these students
    (nbgrader's pass plus the verdict), and the verdicts."""
    started = time.perf_counter()
    verdicts = autograde(course, assignment, students, grader=grader, limits=limits, sandboxed=sandboxed,
                         jobs=jobs, scheduler=scheduler)
    return time.perf_counter() - started, verdicts


@contextmanager
def local_cluster(workers: int):
    """A Dask LocalCluster of ``workers`` single-threaded worker processes (its scheduler's
    address), or None when ``workers`` is 0 or Dask is not installed."""
    try:
        from distributed import LocalCluster
    except ImportError:
        workers = 0
    if not workers:
        yield None
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def stock_nbgrader(course: Path, cell_timeout: float) -> Nbgrader:
    """nbgrader as it comes: the course's config without deepgrad's kernel and preprocessors (its
    Execute settings stay, skip_cells_with_tag included, so both sides run the same cells)."""
    from nbgrader.converters import Autograde

    grader = Nbgrader(course, cell_timeout=cell_timeout)
    grader.api.config.Execute.kernel_manager_class = "jupyter_client.manager.AsyncKernelManager"
    for name in ("sanitize_preprocessors", "autograde_preprocessors"):
        grader.api.config.Autograde[name] = Autograde.class_traits()[name].default()
    return grader


def note(plain: list[float | None], deep: list[float | None], verdicts: list, top: float) -> str:
    def said(values):
        if None in values:
            return f"no automatic score for {values.count(None)} of {len(values)}"
        return f"{sum(values) / len(values):g}/{top:g}" + (" on average" if len(values) > 1 else "")
    statuses = sorted({v.status for v in verdicts})
    return (f"nbgrader {said(plain)}; deepgrad {said(deep)} "
            f"(verdict {said([v.score for v in verdicts])}, {'/'.join(statuses)})")


def run_case(case: str, students: list[str], courses: dict, graders: dict, assignment: str,
             limits: Limits, jobs: int, scheduler: str | None) -> dict:
    plain_s, problems = time_plain(graders["nbgrader"], assignment, students)
    deep_s, verdicts = time_deepgrad(graders["deepgrad"], courses["deepgrad"], assignment, students, limits)
    jobs_s, side_by_side = time_deepgrad(graders["jobs"], courses["jobs"], assignment, students, limits, jobs=jobs)
    dask_s, on_dask = (time_deepgrad(graders["dask"], courses["dask"], assignment, students, limits,
                                     scheduler=scheduler) if scheduler else (float("nan"), verdicts))
    bare_s, _ = time_deepgrad(graders["unsandboxed"], courses["unsandboxed"], assignment, students, limits,
                              sandboxed=False)
    plain, top = scores(courses["nbgrader"], assignment, students)
    deep, _ = scores(courses["deepgrad"], assignment, students)
    problems += [f"deepgrad: {v.student}: verdict {v.status} ({v.reason})" for v in verdicts if v.status != "graded"]
    for side, got in (("--jobs", side_by_side), ("dask", on_dask)):
        if [(v.status, v.score) for v in got] != [(v.status, v.score) for v in verdicts]:
            problems.append(f"deepgrad {side}: verdicts differ from the serial run's")
    return {"case": case, "submissions": len(students), "nbgrader_s": round(plain_s, 2),
            "deepgrad_s": round(deep_s, 2), "ratio": round(deep_s / plain_s, 3),
            "jobs": jobs, "jobs_s": round(jobs_s, 2), "jobs_ratio": round(jobs_s / plain_s, 3),
            "dask_s": round(dask_s, 2), "dask_ratio": round(dask_s / plain_s, 3),
            "dask_over_jobs": round(dask_s / jobs_s, 3),
            "unsandboxed_s": round(bare_s, 2),
            "sandbox_s_per_submission": round((deep_s - bare_s) / len(students), 3), "max_score": top,
            "nbgrader_scores": plain, "deepgrad_scores": deep, "verdict_scores": [v.score for v in verdicts],
            "verdict_statuses": [v.status for v in verdicts], "note": note(plain, deep, verdicts, top),
            "problems": problems}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a01_gradient_descent")
    parser.add_argument("--class-size", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=5,
                        help="seconds per notebook cell (nbgrader) and per function call (verdict); default 5")
    parser.add_argument("--swallow-interrupts", action="store_true",
                        help="the hostile loop catches KeyboardInterrupt (nbgrader then gives up on the notebook)")
    parser.add_argument("--jobs", type=int, default=usable_cores(),
                        help="the side by side side's --jobs (default: the usable cores)")
    parser.add_argument("--dask-workers", type=int, default=2,
                        help="worker processes of the LocalCluster side (default 2; 0: no Dask side)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="no untimed warm-up submission (a functional check, not a timing one: each "
                             "side's first grading then pays for its imports)")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"which cases to run, of {', '.join(CASES)} (default: all three)")
    parser.add_argument("--workdir", help="a new folder for the course copies (default: a temp folder, removed)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    chosen = [c.strip() for c in args.cases.split(",") if c.strip()]
    if not chosen or set(chosen) - set(CASES):
        parser.error(f"--cases {args.cases!r}: give some of {', '.join(CASES)}, separated by commas")

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="deepgrad-bench-"))
    try:
        base = make_course(find_root(), workdir / "base", args.assignment)
        cases = make_submissions(base, args.assignment, args.class_size, args.swallow_interrupts)
        cases = {case: students for case, students in cases.items() if case.split()[0] in chosen}
        courses = {side: Path(shutil.copytree(base, workdir / side))
                   for side in ("nbgrader", "deepgrad", "jobs", "dask", "unsandboxed")}
        graders = {side: (stock_nbgrader if side == "nbgrader" else Nbgrader)(course, cell_timeout=args.timeout)
                   for side, course in courses.items()}
        warmed = graders.values() if args.warmup else ()
        for grader in warmed:  # untimed: the first autograde in a process pays for imports
            nbgrader_autograde(grader, args.assignment, "warmup")
        with local_cluster(args.dask_workers) as scheduler:
            if scheduler and warmed:  # untimed: each worker's first job pays for its imports (a cluster is long-lived)
                time_deepgrad(graders["dask"], courses["dask"], args.assignment, ["warmup", "honest"],
                              Limits(call_seconds=args.timeout), scheduler=scheduler)
            rows = [run_case(case, students, courses, graders, args.assignment, Limits(call_seconds=args.timeout),
                             args.jobs, scheduler) for case, students in cases.items()]
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {"date": time.strftime("%Y-%m-%d"), "assignment": args.assignment, "class_size": args.class_size,
              "timeout_s": args.timeout, "swallow_interrupts": args.swallow_interrupts, "warmup": args.warmup,
              "cpus": os.cpu_count(), "jobs": args.jobs, "dask_workers": args.dask_workers, "cases": rows}
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def format_table(result: dict) -> str:
    lines = [f"{result['assignment']}, {result['cpus']} CPUs, timeout {result['timeout_s']} s per cell / call",
             f"{'case':<13}{'nbgrader s':>11}{'deepgrad s':>11}{'ratio':>7}{'--jobs s':>9}{'ratio':>7}"
             f"{'dask s':>8}{'ratio':>7}{'sandbox s/sub':>14}  scores",
             *(f"{r['case']:<13}{r['nbgrader_s']:>11.1f}{r['deepgrad_s']:>11.1f}{r['ratio']:>7.2f}"
               f"{r['jobs_s']:>9.1f}{r['jobs_ratio']:>7.2f}{r['dask_s']:>8.1f}{r['dask_ratio']:>7.2f}"
               f"{r['sandbox_s_per_submission']:>14.2f}  {r['note']}" for r in result["cases"])]
    lines += [f"  {r['case']}, {p[:240]}" for r in result["cases"] for p in r["problems"]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
