"""Shared fixtures: the course root and namespaces holding the reference answers."""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import time
from pathlib import Path

import pytest

import deepgrad  # noqa: F401 -- before anything imports nbformat: see deepgrad/__init__.py
from autograder.bubblewrap import RUN_MARKER

ROOT = Path(__file__).resolve().parents[1]
# "a01" -> "a01_gradient_descent": every assignment in solutions/, found by its folder name.
NOTEBOOKS = {p.name.split("_")[0]: p.name for p in sorted((ROOT / "solutions").iterdir())
             if p.is_dir() and (p / f"{p.name}.ipynb").is_file()}


def pytest_configure(config):
    # Every run of the project's suite (CI's too) ends with its 15 slowest tests and fixtures, so a
    # slow one is seen where it starts; `--durations` on the command line still decides.
    if not config.option.durations:
        config.option.durations = 15
    # One test per core already (pytest-xdist): numpy's BLAS threads on top of that only fight over
    # the cores (a test of big matrix products took 2 s to 86 s from run to run). Set here, before
    # xdist starts its workers, so each of them imports numpy with one BLAS thread.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups off the items
def pytest_collection_modifyitems(items):
    """Keep every test that shares a module-scoped fixture (a graded class, a released course, a
    running server) on one pytest-xdist worker, so the fixture is built once; every other test goes
    wherever a worker is free (``--dist loadgroup`` in pyproject.toml)."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        # One group per module, not per fixture: a test using two of its module's fixtures must
        # not split them between two groups (the Dask test uses both the serial run and the cluster).
        if info and any(defs and defs[-1].scope == "module" for defs in info.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    # pytest-xdist hands out the groups first (the largest first), then the other tests one by one in
    # this order: the longest of those go first, so that none of them starts last and runs alone.
    items.sort(key=lambda item: getattr(getattr(item, "module", None), "__name__", "") not in STARTED_FIRST)


# The modules holding the longest tests that are not grouped (15 s to a minute each: the benchmarks'
# small runs, the README's walkthrough, a pathological submission graded, the reference notebooks
# run): their tests start before the other ungrouped ones.
STARTED_FIRST = ("test_bench", "test_walkthrough", "test_untrusted_text", "test_notebooks")


def solution_notebook(assignment: str) -> Path:
    name = NOTEBOOKS[assignment]
    return ROOT / "solutions" / name / f"{name}.ipynb"


def reference_namespace(assignment: str) -> dict:
    """The setup and answer cells of the reference notebook, run in a fresh namespace."""
    namespace: dict = {"__name__": f"reference_{assignment}"}
    for cell in json.loads(solution_notebook(assignment).read_text())["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and (meta.get("solution") or
                                            str(meta.get("grade_id", "")).startswith("setup")):
            exec(compile("".join(cell["source"]), f"<{assignment} {meta['grade_id']}>", "exec"), namespace)
    return namespace


_RELEASED: dict[str, Path] = {}  # assignment -> this process's released course, copied for each test


def _released_template(assignment: str) -> Path:
    """A course copy with this assignment's release generated, made once per test process (nbgrader's
    generate_assignment: some 2 s of CPU) and removed when the process ends. It has run no grading:
    no submission, no course secret (each copy makes its own on first use)."""
    if assignment not in _RELEASED:
        import atexit
        import tempfile

        from deepgrad.adapters.nbgrader_api import Nbgrader
        from deepgrad.base.course_files import copy_course
        from deepgrad.grading.verdict import SECRET_FILE

        folder = Path(tempfile.mkdtemp(prefix=f"deepgrad-released-{assignment}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        course = copy_course(ROOT, folder / "course")
        Nbgrader(course).generate_assignment(NOTEBOOKS[assignment])
        assert not (course / SECRET_FILE).exists()
        _RELEASED[assignment] = course
    return _RELEASED[assignment]


def released_course(dest: Path, assignment: str = "a01") -> tuple[Path, dict, dict]:
    """A copy of the course in ``dest`` with this assignment's release generated (its notebook,
    its gradebook entries): the folder, the release notebook and its reference answers (grade id
    -> source). The other assignments are not released: no test of such a copy grades them. The
    release is generated once per test process and copied, gradebook included: every copy is the
    same as one made anew, and each is the test's own."""
    from deepgrad.commands.submissions import read, reference_answers

    course = Path(shutil.copytree(_released_template(assignment), dest, symlinks=True, dirs_exist_ok=True))
    name = NOTEBOOKS[assignment]
    return (course, read(course / "assignments" / name / f"{name}.ipynb"),
            reference_answers(read(course / "solutions" / name / f"{name}.ipynb")))


DEFAULT_DB_LINE = 'c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")'


def use_gradebook(course: Path, db_url: str) -> None:
    """Point a course copy's nbgrader_config.py at another gradebook, as an instructor would."""
    config = course / "nbgrader_config.py"
    assert DEFAULT_DB_LINE in config.read_text()
    config.write_text(config.read_text().replace(DEFAULT_DB_LINE, f"c.CourseDirectory.db_url = {db_url!r}"))


# An a01 answer cell that fools in-kernel grading: numpy's comparisons always say "equal".
PATCHED_NUMPY_SIGMOID = '''
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)


def sigmoid(z):
    return np.zeros_like(np.asarray(z, dtype=float)) + 0.5
'''


def chromium() -> tuple[str, str] | None:
    """(browser, driver) where Chromium, its driver and selenium are all installed, else None."""
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver and importlib.util.find_spec("selenium") else None


NEEDS_CHROMIUM = pytest.mark.skipif(chromium() is None, reason="needs chromium, chromedriver and selenium")


@contextlib.contextmanager
def headless_chromium():
    """A headless Chromium driven by selenium, quit afterwards."""
    from selenium import webdriver

    browser_path, driver_path = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def reference():
    """A factory: reference(assignment) -> a namespace with that notebook's reference answers."""
    return reference_namespace


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def network_gradient_errors(net, X, y) -> dict:
    """The largest relative error of each of a dlkit Network's gradients, {(layer, name): error},
    against centred differences of its loss on (X, y)."""
    from autograder.gradcheck import numeric_gradient, relative_error

    _, grads = net.loss_and_grads(X, y)
    errors = {}
    for (i, name), g in grads.items():
        def loss_at(value, i=i, name=name):
            saved = net.layers[i].params[name]
            net.layers[i].params[name] = value
            try:
                return net.loss(X, y)
            finally:
                net.layers[i].params[name] = saved
        errors[(i, name)] = float(relative_error(g, numeric_gradient(loss_at, net.layers[i].params[name].copy())).max())
    return errors


# Every sandbox this test run starts carries this in its (bwrap's) environment, and so does a
# kernel or worker run without a sandbox: leftover processes are counted for this run only, never
# another user's on the machine. A process inside a sandbox ends when its sandbox's bwrap does.
RUN_TOKEN = f"{os.getpid()}-{secrets.token_hex(4)}"
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each pytest-xdist worker is a run of its own: inheriting the controller's token would make
    # one worker's leftover-process check see the other worker's live sandboxes.
    os.environ[RUN_MARKER] = RUN_TOKEN
else:
    os.environ.setdefault(RUN_MARKER, RUN_TOKEN)


def _process_helper(pid: int, cmdline: bytes) -> bool:
    """multiprocessing's resource tracker of this test process: it lives as long as the process
    that started it (this one), whatever grading did."""
    try:
        parent = int(open(f"/proc/{pid}/stat", "rb").read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return False
    return parent == os.getpid() and b"from multiprocessing.resource_tracker import main" in cmdline


def processes_left_by_this_test_run(grace: float = 5.0) -> list[tuple[str, bytes]]:
    """(pid, command) of each live process this run started and should have ended: a sandbox, a
    worker or a Jupyter kernel (in or out of the sandbox), fork-bomb children included. A process
    still on its way out (a sandbox whose last process was just killed, a self-check's host that ends
    once its pytest has; on a loaded machine that takes a moment) is given ``grace`` seconds: one
    left is one still there after them."""
    deadline = time.monotonic() + grace
    found = _processes_of_this_run()
    while found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = _processes_of_this_run()
    return found


def _processes_of_this_run() -> list[tuple[str, bytes]]:
    mine = os.getpid()
    marker = f"{RUN_MARKER}={os.environ[RUN_MARKER]}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != mine:
            try:
                cmdline = open(f"/proc/{entry}/cmdline", "rb").read()
                environ = open(f"/proc/{entry}/environ", "rb").read().split(b"\0")
            except OSError:
                continue
            if marker in environ and not _process_helper(int(entry), cmdline):
                # its start and its end: a sandbox's options fill the start, what it runs is at the end
                found.append((entry, cmdline if len(cmdline) <= 400 else cmdline[:120] + b" ... " + cmdline[-280:]))
    return found
