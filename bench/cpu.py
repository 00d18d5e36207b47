"""CPU time of `deepgrad autograde` against plain `nbgrader autograde`, every process included.

    python bench/cpu.py [--assignment a01_gradient_descent] [--class-size 6] [--jobs N]
                        [--repeat 1] [--modes command,marginal] [--sides nbgrader,deepgrad,jobs]
                        [--workdir DIR] [--json PATH] [--profile DIR] [--breakdown] [--no-warmup]

A class of N honest submissions (the release filled in with the reference answers) is graded in
this one run by each side, each in its own copy of the course (the same notebooks, the same
gradebook to start from):

- **nbgrader**: plain nbgrader: the course folder with nbgrader's defaults only (its
  ``nbgrader_config.py`` replaced by :data:`PLAIN_CONFIG`: the folders, the gradebook, the course's
  cell timeout and ``skip_cells_with_tag``, which both sides share), no deepgrad module;
- **deepgrad**: `deepgrad autograde --jobs 1`, one submission after another;
- **jobs**: `deepgrad autograde --jobs N` (default: the usable cores, as `deepgrad autograde` runs).

Two modes, both measured in each turn:

- **command**: the command itself, `python -m nbgrader autograde ASSIGNMENT --force` or `python -m
  deepgrad autograde ASSIGNMENT --jobs N`, start-up included: what an instructor's machine spends.
- **marginal**: in a fresh process per side, after an untimed ``warmup`` submission (imports and
  first uses, as in bench/grading.py; none with ``--no-warmup``): the submissions' cost, start-up left out.

**How CPU is counted**: each side's process starts in a fresh cpuacct cgroup (cgroup v1), which
every process it starts inherits (kernels, bwrap, sandboxed workers, the reference worker, job
processes: the sandboxes' own cgroups are in the pids and memory hierarchies only);
``cpuacct.usage`` counts them all, ended or alive. ``RUSAGE_CHILDREN`` (``rusage``, shown beside it)
misses what ran in a sandbox: a PID namespace's killed init has its processes reaped by the kernel
uncharged. Without a cpuacct cgroup, rusage is used, as a lower bound. See bench/README.md.

``ratio = deepgrad CPU / nbgrader CPU`` for the same submissions, in the same turn. With
``--repeat K`` the sides take turns K times; min and median are reported. ``--profile DIR``: a
cProfile (CPU time) of each side's grading process in marginal mode (it slows that process);
``--breakdown``: marginal mode's CPU by kind of process, sampled in ``/proc`` every 50 ms (rough).
"""
from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = ("nbgrader", "deepgrad", "jobs")
MODES = ("command", "marginal")
PR_SET_CHILD_SUBREAPER = 36
CPUACCT = Path("/sys/fs/cgroup/cpuacct")
TICKS = os.sysconf("SC_CLK_TCK")
PLAIN_CONFIG = '''"""Plain nbgrader on this course folder: nbgrader's defaults, the course's folders and the two
settings both sides of bench/cpu.py share (the cell timeout, the cells left out of grading)."""
import os
c = get_config()  # noqa: F821
HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "deepgrad"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
c.Exchange.root = os.path.join(HERE, "exchange")
c.Execute.timeout = {timeout!r}
c.Execute.skip_cells_with_tag = {skip!r}
'''


def _wall_bench():
    """bench/grading.py (not a package): its course and submission helpers."""
    spec = importlib.util.spec_from_file_location("bench_grading", HERE / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------- counting CPU
def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            children = []
        found += children
        todo += children
    return found


def _stat_cpu(pid: int, children: bool = True) -> float | None:
    """utime + stime (+ cutime + cstime: its reaped children's) of a live process, seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(f) for f in fields[11:15 if children else 13]) / TICKS


def tree_cpu() -> dict:
    """This process's CPU, its reaped descendants' (orphans re-parented here reaped first), its live ones'."""
    import resource

    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    alive = [c for c in map(_stat_cpu, _descendants(os.getpid())) if c is not None]
    return {"self": own.ru_utime + own.ru_stime, "reaped": reaped.ru_utime + reaped.ru_stime, "alive": sum(alive)}


class CpuGroup:
    """A fresh cpuacct cgroup (cgroup v1), or an inert one where none can be made."""

    def __init__(self):
        self.path = CPUACCT / f"deepgrad-bench-{secrets.token_hex(4)}"
        try:
            self.path.mkdir()
        except OSError:
            self.path = None

    def join(self, pid: int | None = None) -> None:
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(pid or os.getpid()))

    def usage(self) -> float | None:
        return None if self.path is None else int((self.path / "cpuacct.usage").read_text()) / 1e9

    def wait_empty(self, seconds: float = 15.0) -> int:
        """Wait for every process of the group to end; how many are left."""
        deadline = time.monotonic() + seconds
        while self.path is not None:
            left = (self.path / "cgroup.procs").read_text().split()
            if not left or time.monotonic() > deadline:
                return len(left)
            time.sleep(0.05)
        return 0

    def remove(self) -> None:
        for _ in range(100):
            try:
                self.path and self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)


# ----------------------------------------------------------------- command mode
def run_command(side: str, course: Path, assignment: str, jobs: int) -> dict:
    """The side's command on the course (cwd), in a cgroup of its own."""
    command = ([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"] if side == "nbgrader"
               else [sys.executable, "-m", "deepgrad", "autograde", assignment,
                     "--jobs", str(jobs if side == "jobs" else 1)])
    group = CpuGroup()
    try:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   preexec_fn=group.join, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        output = process.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(process.pid, 0)  # rusage: the command and the children it reaped
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        left = group.wait_empty()
        cgroup = group.usage()
    finally:
        group.remove()
    if process.returncode:
        raise RuntimeError(f"{side}: {' '.join(command[1:])} exited with {process.returncode}:\n{output[-3000:]}")
    rusage = usage.ru_utime + usage.ru_stime
    return {"cpu_s": cgroup if cgroup is not None else rusage, "wall_s": wall, "rusage_cpu_s": rusage,
            "measure": "cgroup" if cgroup is not None else "rusage", "left_running": left}


# ----------------------------------------------------------------- marginal mode, in a fresh process
def run_marginal(side: str, course: Path, assignment: str, students: list[str], jobs: int,
                 profile: str | None, breakdown: bool, warmup: bool = True) -> dict:
    """In this fresh process (already in its cgroup): warm up (if ``warmup``), then grade ``students`` as ``side``."""
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans come here, and are counted
    bench = _wall_bench()
    from deepgrad.adapters.nbgrader_api import Nbgrader
    from deepgrad.adapters.preprocessors import report_path
    from deepgrad.runs.autograde import autograde

    grader = Nbgrader(course)  # the course folder's own config: plain nbgrader's on the nbgrader side
    if warmup:  # untimed: imports and first uses
        bench.nbgrader_autograde(grader, assignment, "warmup")

    def grade():
        if side == "nbgrader":
            return bench.time_plain(grader, assignment, students)[1]
        verdicts = autograde(course, assignment, students, grader=grader, report=report_path(course, assignment),
                             jobs=jobs if side == "jobs" else 1)
        return [f"{v.student}: verdict {v.status} ({v.reason})" for v in verdicts if v.status != "graded"]

    group = os.environ.get("DEEPGRAD_BENCH_CPUACCT")
    usage = (lambda: int(Path(group, "cpuacct.usage").read_text()) / 1e9) if group else (lambda: None)
    sampler = _Sampler() if breakdown else None
    before, cgroup_before, wall = tree_cpu(), usage(), time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # this process's CPU, not the wall
        problems = profiler.runcall(grade)
        profiler.dump_stats(str(Path(profile) / f"{side}.prof"))
    else:
        problems = grade()
    wall = time.perf_counter() - wall
    time.sleep(0.2)  # a process killed just now (a kernel, a sandbox's init) has ended by then
    after, cgroup_after = tree_cpu(), usage()
    rusage = sum(after[k] - before[k] for k in after)
    cgroup = None if cgroup_before is None else cgroup_after - cgroup_before
    return {"cpu_s": rusage if cgroup is None else cgroup, "wall_s": wall, "rusage_cpu_s": rusage,
            "measure": "rusage" if cgroup is None else "cgroup",
            "grading_process_s": after["self"] - before["self"], "problems": problems,
            "breakdown": sampler.stop() if sampler else None}


class _Sampler:
    """CPU per kind of process, read in /proc every 50 ms (a process's last 50 ms may be missed)."""

    KINDS = (("ipykernel", "kernel"), ("worker.py", "sandboxed worker"), ("multiprocessing", "job processes"))

    def __init__(self):
        import threading

        self.seen: dict[int, tuple[str, float]] = {}
        self.running, self.thread = True, threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while self.running:
            for pid in _descendants(os.getpid()):
                try:  # what the process is now (it may have been bwrap or sh a moment ago)
                    exe, line = os.readlink(f"/proc/{pid}/exe"), Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                kind = Path(exe).name if "python" not in Path(exe).name else next(
                    (k for word, k in self.KINDS if word.encode() in line), "other python")
                cpu = _stat_cpu(pid, children=False)
                self.seen[pid] = (kind, cpu) if cpu is not None else self.seen.get(pid, (kind, 0.0))
            time.sleep(0.05)

    def stop(self) -> dict:
        self.running = False
        self.thread.join()
        totals: dict[str, dict] = {}
        for kind, cpu in self.seen.values():
            entry = totals.setdefault(kind, {"cpu_s": 0.0, "processes": 0})
            entry["cpu_s"] += cpu
            entry["processes"] += 1
        return dict(sorted(totals.items()))


def measure_marginal(side: str, course: Path, assignment: str, students: list[str], args) -> dict:
    """:func:`run_marginal` in a fresh process, in a cgroup of its own."""
    group = CpuGroup()
    command = [sys.executable, str(Path(__file__).resolve()), "--side", side, "--course", str(course),
               "--assignment", assignment, "--students", ",".join(students), "--jobs", str(args.jobs),
               *(["--profile", args.profile] if args.profile else []), *(["--breakdown"] if args.breakdown else []),
               *([] if args.warmup else ["--no-warmup"])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=str(HERE.parent), check=False,
                              preexec_fn=group.join,
                              env={**os.environ, "DEEPGRAD_BENCH_CPUACCT": str(group.path or "")})
        group.wait_empty()
    finally:
        group.remove()
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"side {side} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


# ----------------------------------------------------------------- the run
def make_copy(base: Path, dest: Path, side: str, keep: list[str]) -> Path:
    """A copy of the course for one side, with only the ``keep`` students' submissions."""
    shutil.copytree(base, dest)
    for folder in (dest / "submitted").iterdir():
        if folder.name not in keep:
            shutil.rmtree(folder)
    if side == "nbgrader":
        from traitlets.config.loader import PyFileConfigLoader

        from deepgrad.adapters.preprocessors import SKIP_WHEN_GRADING

        timeout = PyFileConfigLoader("nbgrader_config.py", path=str(base)).load_config().Execute.timeout
        (dest / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(timeout=timeout, skip=SKIP_WHEN_GRADING))
    return dest


def _summary(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a01_gradient_descent")
    parser.add_argument("--class-size", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=0, help="the jobs side's --jobs (default: the usable cores)")
    parser.add_argument("--repeat", type=int, default=1, help="the sides take turns this many times")
    parser.add_argument("--sides", default=",".join(SIDES), help=f"nbgrader and any of {', '.join(SIDES[1:])}")
    parser.add_argument("--modes", default=",".join(MODES), help=f"any of {', '.join(MODES)}")
    parser.add_argument("--workdir", help="a new folder for the course copies (default: a temp folder, removed)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--profile", help="a folder: cProfile of each side's grading process (marginal mode)")
    parser.add_argument("--breakdown", action="store_true", help="marginal mode: CPU by kind of process, sampled")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false", help="marginal mode: no warm-up submission")
    for hidden in ("--side", "--course", "--students"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    bench = _wall_bench()
    args.jobs = args.jobs or bench.usable_cores()
    if args.side:  # one side in marginal mode, in this fresh process: its result is the last line printed
        result = run_marginal(args.side, Path(args.course), args.assignment, args.students.split(","),
                              args.jobs, args.profile, args.breakdown, args.warmup)
        print(json.dumps(result))
        return result
    sides, modes = [s for s in args.sides.split(",") if s], [m for m in args.modes.split(",") if m]
    if sides[:1] != ["nbgrader"] or any(s not in SIDES for s in sides) or not modes or any(m not in MODES for m in modes):
        parser.error(f"--sides: nbgrader first, then any of {', '.join(SIDES[1:])}; --modes: any of {', '.join(MODES)}")
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="deepgrad-cpu-bench-"))
    runs = {mode: {side: [] for side in sides} for mode in modes}
    load = os.getloadavg()
    try:
        base = bench.make_course(bench.find_root(), workdir / "base", args.assignment)
        students = bench.make_submissions(base, args.assignment, args.class_size)[f"class of {args.class_size}"]
        for turn in range(args.repeat):
            for mode in modes:
                for side in sides:
                    course = make_copy(base, workdir / f"{mode}-{side}-{turn}", side,
                                       students + (["warmup"] if mode == "marginal" and args.warmup else []))
                    got = (run_command(side, course, args.assignment, args.jobs) if mode == "command" else
                           measure_marginal(side, course, args.assignment, students, args))
                    got["scores"], _ = bench.scores(course, args.assignment, students)
                    runs[mode][side].append(got)
                    if not args.workdir:
                        shutil.rmtree(course, ignore_errors=True)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "assignment": args.assignment, "class_size": args.class_size,
              "cpus": os.cpu_count(), "jobs": args.jobs, "repeat": args.repeat, "load_average_at_start": load,
              "warmup": args.warmup, "modes": {}, "problems": []}
    for mode, by_side in runs.items():
        plain = by_side["nbgrader"]
        result["modes"][mode] = table = {}
        for side, measured in by_side.items():
            for got, base_run in zip(measured, plain):  # ratios within a turn: measured back to back
                got["cpu_per_submission_s"] = got["cpu_s"] / args.class_size
                got["ratio"] = got["cpu_s"] / base_run["cpu_s"]
                got["wall_ratio"] = got["wall_s"] / base_run["wall_s"]
                if got["scores"] != base_run["scores"]:
                    result["problems"].append(f"{mode} {side}: scores {got['scores']} differ from plain nbgrader's")
                result["problems"] += [f"{mode} {side}: {p}" for p in got.get("problems", [])]
            table[side] = {"runs": measured, "measure": "/".join(sorted({r["measure"] for r in measured})),
                           **{key: _summary([r[key] for r in measured]) for key in (
                               "cpu_per_submission_s", "ratio", "wall_s", "wall_ratio")},
                           "rusage_per_submission_s": _summary([r["rusage_cpu_s"] / args.class_size
                                                                for r in measured if r["rusage_cpu_s"] is not None]
                                                               or [float("nan")])}
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def format_table(result: dict) -> str:
    lines = [f"{result['assignment']}, class of {result['class_size']}, {result['cpus']} CPUs, jobs side --jobs "
             f"{result['jobs']}, {result['repeat']} turn(s), load average at the start "
             f"{' '.join(f'{x:.2f}' for x in result['load_average_at_start'])}; medians (ratio: also the min)",
             f"{'mode':<9}{'side':<10}{'CPU s/sub':>10}{'ratio':>7}{'min':>6}{'wall s':>8}{'ratio':>7}"
             f"{'rusage s/sub':>13}  CPU measured by"]
    for mode, table in result["modes"].items():
        for side, row in table.items():
            lines.append(f"{mode:<9}{side:<10}{row['cpu_per_submission_s']['median']:>10.2f}"
                         f"{row['ratio']['median']:>7.2f}{row['ratio']['min']:>6.2f}{row['wall_s']['median']:>8.1f}"
                         f"{row['wall_ratio']['median']:>7.2f}{row['rusage_per_submission_s']['median']:>13.2f}  "
                         f"{row['measure']}" + ("" if row["measure"] == "cgroup" else " (a lower bound)"))
            last = row["runs"][-1]
            if last.get("breakdown"):
                lines.append(f"{'':<19}grading process {last['grading_process_s']:.1f} s; " + ", ".join(
                    f"{k} {v['cpu_s']:.1f} s ({v['processes']})" for k, v in last["breakdown"].items()))
    lines += [f"  problem: {p[:240]}" for p in result["problems"]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
