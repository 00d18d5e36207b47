"""The catalogue of hostile submissions: does every attack gain nothing, under both paths?

Each row is one attack on assignment 1 (most target `sigmoid`, worth 2 of 16 points) with its
expected outcome: which tasks lose their points, what the message says, and the submission's
status. Every attack runs twice:

- as a student's self-check (`pytest autograder`'s public checks, each notebook loaded in a fresh
  process of the self-check's one sandbox, `autograder.host`), and
- under instructor grading (`deepgrad autograde` on a course copy: nbgrader's pass in a hidden
  kernel, then the trusted verdict written to the gradebook),

and in both the attacked tasks must fail while every other task still passes. An honest student
graded before the attackers must keep every gradebook entry.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import pytest
from nbgrader.api import Gradebook

from autograder.calls import WorkerCaller
from autograder.registry import TASKS, attempt, checks_for, load_all
from autograder.host import WorkerHost
from autograder.sandbox import Limits, sandbox_missing
from conftest import NOTEBOOKS, ROOT, processes_left_by_this_test_run, released_course
from deepgrad.runs.autograde import autograde
from deepgrad.adapters.nbgrader_api import Nbgrader
from deepgrad.commands.submissions import answered, read, reference_answers, write

load_all()
A01 = NOTEBOOKS["a01"]
# Every endless attack spends its caps in full (each call of a looping function, each worker start
# of a load-time loop; a busy loop or fork bomb burns the CPU all that time), so they are set low,
# yet still many times what an honest a01 call (under 10 milliseconds: 1 s is some 200 times its
# slowest) and a load of this notebook (under 1 s, on a busy machine too) take.
LIMITS = Limits(call_seconds=1.0, start_seconds=6.0)
WRONG = "def sigmoid(z):\n    return np.tanh(np.asarray(z, dtype=float))\n"


# sigmoid_grad and dense_sigmoid call the student's sigmoid, so they fall with it.
SIGMOID_AND_ITS_USERS = ("sigmoid", "sigmoid_grad", "dense_sigmoid")


@dataclass
class Attack:
    name: str
    answers: dict = field(default_factory=dict)   # answer cell grade_id -> its new source
    edit: object = None                           # nb -> nb: changes beyond the answer cells
    lost: tuple = SIGMOID_AND_ITS_USERS           # tasks that must get no point
    says: str = ""                                # in a message of a lost task (or the reason)
    status: str = "graded"                        # of the instructor's verdict
    text: str | None = None                       # the notebook file's raw content instead
    filename: str = A01                           # the submitted notebook's name


def _sigmoid(body: str) -> dict:
    return {"ans_sigmoid": body}


def _drop_cell(grade_id):
    def edit(nb):
        nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != grade_id]
        return nb
    return edit


def _retype_cell(grade_id):
    def edit(nb):
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
                cell["cell_type"] = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        return nb
    return edit


def _replace_test_cell(nb):
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_sigmoid":
            cell["source"] = "print('all checks passed')\n"
    return nb


def _duplicate_ids(nb):
    nb["cells"][3]["id"] = nb["cells"][2]["id"]
    return nb


# Finds the course's files from wherever the code runs: the working folder and the installed
# autograder package, walking up to the root.
_FIND = '''
import os, pathlib, json, autograder
def _roots():
    for start in (pathlib.Path.cwd(), pathlib.Path(autograder.__file__).resolve()):
        yield from [start, *start.parents]
'''

ATTACKS = [
    Attack("patches numpy's comparisons", _sigmoid(
        "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n" + WRONG),
        says="wrong value"),
    Attack("patches builtins", _sigmoid(
        "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.type = lambda *a: np.ndarray\n"
        "builtins.abs = lambda x: 0.0\n" + WRONG)),
    Attack("patches math", _sigmoid(
        "import math\nmath.isclose = lambda *a, **k: True\nmath.isfinite = lambda x: True\n" + WRONG)),
    Attack("patches the autograder", _sigmoid(
        "import sys, autograder, autograder.registry, autograder.compare\n"
        "autograder.check = autograder.api.check = lambda *a, **k: None\n"
        "autograder.registry.attempt = lambda *a, **k: None\n"
        "autograder.compare.expect_array = lambda got, *a, **k: got\n"
        "sys.modules['autograder.gradcheck'] = None\n" + WRONG)),
    Attack("returns an object whose == is always True", _sigmoid(
        "class Anything:\n    def __eq__(self, other): return True\n    __ne__ = lambda s, o: False\n"
        "    def __array__(self, *a, **k): return np.zeros(1)\n"
        "def sigmoid(z):\n    return Anything()\n"), says="should return a numpy array"),
    Attack("returns an ndarray subclass that claims equality", _sigmoid(
        "class Sneaky(np.ndarray):\n    def __eq__(self, other): return np.ones(np.shape(other), bool)\n"
        "    def __array_finalize__(self, obj): pass\n"
        "def sigmoid(z):\n    return np.zeros(np.shape(z)).view(Sneaky)\n")),
    Attack("reads the solutions and hidden tests from disk", _sigmoid(_FIND + '''
def _steal():
    for root in _roots():
        for nb in root.glob("solutions/a01*/*.ipynb"):
            for cell in json.loads(nb.read_text())["cells"]:
                if "def sigmoid" in "".join(cell["source"]):
                    return "".join(cell["source"])
    return None
_stolen = _steal()
if _stolen:
    exec(_stolen)
else:
''' + "\n".join("    " + line for line in WRONG.splitlines()) + "\n")),
    Attack("looks for grading hints in the environment", _sigmoid(
        "import os\n_HINTS = [k for k in os.environ if any(w in k.upper() for w in "
        "('NBGRADER', 'DEEPGRAD', 'GRADING', 'HIDDEN', 'SOLUTION', 'JPY'))]\n"
        "def sigmoid(z):\n    if _HINTS:\n        return 1 / (1 + np.exp(-np.clip(z, -500, 500)))\n"
        "    return np.tanh(np.asarray(z, dtype=float))\n")),
    Attack("writes full marks into the gradebook", _sigmoid(_FIND + '''
import sqlite3
for _root in _roots():
    _db = _root / "gradebook.db"
    if _db.is_file():
        try:
            with sqlite3.connect(str(_db)) as _con:
                _con.execute("UPDATE grade SET auto_score = 100, manual_score = 100")
                _con.execute("DELETE FROM submitted_notebook WHERE 1 = 1")
        except Exception:
            pass
''' + WRONG)),
    Attack("edits the test cell to print success", _sigmoid(WRONG), edit=_replace_test_cell),
    Attack("deletes the test cell", _sigmoid(WRONG), edit=_drop_cell("test_sigmoid"),
           status="review", says="test_sigmoid (deleted)"),
    Attack("turns the test cell into markdown", _sigmoid(WRONG), edit=_retype_cell("test_sigmoid"),
           status="review", says="test_sigmoid (turned into markdown)"),
    Attack("duplicates a cell id", edit=_duplicate_ids, lost=(), status="review", says="duplicate cell ids"),
    Attack("imports torch", _sigmoid("import torch\ndef sigmoid(z):\n    return torch.sigmoid(torch.tensor(z)).numpy()\n"),
           says="does not allow"),
    # dense_sigmoid keeps its points: it is the student's own; only what calls `sigmoid` directly fails.
    # scipy is not in the worker's view: the cell fails to load, and the sigmoid's users fall with it.
    Attack("uses scipy's expit", _sigmoid("from scipy.special import expit\ndef sigmoid(z):\n    return expit(z)\n"),
           says="uses `scipy`"),
    Attack("imports autograd under a disguised name", _sigmoid(
        "def sigmoid(z):\n    ag = __import__('auto' + 'grad')\n    return ag.numpy.tanh(z)\n"), says="not allowed"),
    Attack("loops forever", _sigmoid("def sigmoid(z):\n    while True:\n        pass\n"), says="took longer"),
    Attack("loops forever, swallowing KeyboardInterrupt", _sigmoid(
        "import time\ndef sigmoid(z):\n    while True:\n        try:\n            time.sleep(0.1)\n"
        "        except KeyboardInterrupt:\n            pass\n"), says="took longer"),
    Attack("loops at load time, swallowing KeyboardInterrupt", {
        "ans_dense_sigmoid": "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                             "    except KeyboardInterrupt:\n        pass\n"},
        lost=("dense_sigmoid",), says="did not finish loading"),
    Attack("calls os._exit", _sigmoid("import os\ndef sigmoid(z):\n    os._exit(0)\n"), says="exited"),
    Attack("raises SystemExit", _sigmoid("import sys\ndef sigmoid(z):\n    sys.exit(3)\n"), says="SystemExit"),
    Attack("allocates without bound", _sigmoid(
        "def sigmoid(z):\n    hoard = []\n    while True:\n        hoard.append(bytearray(2**28))\n")),
    Attack("floods the output", _sigmoid(
        "def sigmoid(z):\n    for _ in range(200_000):\n        print('x' * 100)\n    return 1 / (1 + np.exp(-z))\n")),
    Attack("forks without bound", _sigmoid(
        "import os\ndef sigmoid(z):\n    while True:\n        try:\n            os.fork()\n"
        "        except OSError:\n            pass\n")),
    # Every call gets its own copies, so writing into an input cannot move the value a check expects
    # (nor, a01 stating no rule against it, cost anything by itself): the value alone is judged.
    Attack("mutates its input to move the expected value", _sigmoid(
        "def sigmoid(z):\n    z *= 0\n    return np.full(np.shape(z), 0.5)\n"), says="wrong value"),
    Attack("returns NaN", _sigmoid("def sigmoid(z):\n    return np.full(np.shape(z), np.nan)\n")),
    Attack("returns float32", _sigmoid(
        "def sigmoid(z):\n    return (1 / (1 + np.exp(-np.clip(z, -80, 80)))).astype(np.float32)\n"), says="dtype"),
    Attack("returns the wrong shape", _sigmoid(
        "def sigmoid(z):\n    return np.ravel(1 / (1 + np.exp(-np.clip(z, -500, 500))))\n"), says="shape"),
    Attack("renames the function", _sigmoid("def my_sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"),
           says="not defined"),
    Attack("submits a corrupt notebook", text="{ not json", lost=("*",), status="broken",
           says="not a readable notebook"),
    Attack("submits under another name", filename="a01_final_v2", lost=("*",), status="broken",
           says="no notebook"),
]
IDS = [a.name.replace(" ", "-") for a in ATTACKS]


def _notebook(attack: Attack, release: dict, reference: dict) -> dict:
    nb = answered(release, {**reference, **attack.answers})
    return attack.edit(copy.deepcopy(nb)) if attack.edit else nb


def _student(i: int) -> str:
    return f"attacker{i:02d}"


def _lost(attack: Attack) -> set[str]:
    every = {t.name for t in TASKS.values() if t.assignment == "a01"}
    return every if attack.lost == ("*",) else set(attack.lost)


def test_the_catalogue_is_large_and_distinct():
    """Are there at least 20 distinct attacks, each expecting a loss or a flag?"""
    assert len(ATTACKS) >= 20 and len(set(IDS)) == len(IDS)
    assert all(a.lost or a.status != "graded" for a in ATTACKS)


# ---------------------------------------------------------------- instructor grading
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course, release, reference = released_course(tmp_path_factory.mktemp("attacks") / "course")
    # nbgrader's own pass stops at 5 s a notebook (300 s by default): some attacks need the cap.
    # No assertion reads the kernel's run (scores and messages are the verdict's, statuses too: a cell
    # or notebook cut short there changes neither), so its caps are low: every endless attack that
    # meets them spends them in full, in the kernel as in the verdict.
    grader = Nbgrader(course, cell_timeout=1, notebook_seconds=5)
    write(answered(release, reference), course / "submitted" / "alice" / A01 / f"{A01}.ipynb")
    (alice,) = autograde(course, A01, ["alice"], grader=grader, limits=LIMITS)
    before = _gradebook_rows(course, "alice")
    for i, attack in enumerate(ATTACKS):
        path = course / "submitted" / _student(i) / A01 / f"{attack.filename}.ipynb"
        if attack.text is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(attack.text)
        else:
            write(_notebook(attack, release, reference), path)
    # side by side, as `deepgrad autograde` grades by default
    verdicts = autograde(course, A01, [_student(i) for i in range(len(ATTACKS))], grader=grader, limits=LIMITS,
                         jobs=2)
    return course, alice, before, {v.student: v for v in verdicts}


def _gradebook_rows(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        sub = gradebook.find_submission(A01, student)
        return sorted((g.name, g.auto_score, g.manual_score) for nb in sub.notebooks for g in nb.grades)


@pytest.mark.parametrize("i", range(len(ATTACKS)), ids=IDS)
def test_attack_gains_nothing_under_instructor_grading(graded, i):
    """Does the attack lose exactly its tasks' points, with a clear message, the rest graded?"""
    course, _, _, verdicts = graded
    attack, verdict = ATTACKS[i], verdicts[_student(i)]
    assert verdict.status == attack.status, (verdict.status, verdict.reason)
    if attack.status == "broken":
        assert attack.says in verdict.reason
        return
    lost = _lost(attack)
    for task in verdict.tasks:
        name = task.grade_id.removeprefix("test_")
        assert (task.score == 0) == (name in lost), (name, task.messages)
    text = " ".join(m for t in verdict.tasks for m in t.messages) + " " + verdict.reason
    assert attack.says in text
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(A01, _student(i)).score == verdict.score


def test_honest_grades_survive_the_attackers(graded):
    """Is every gradebook entry of the honest student graded first still there, unchanged?"""
    course, alice, before, _ = graded
    assert alice.status == "graded" and alice.score == 16
    assert _gradebook_rows(course, "alice") == before


# ---------------------------------------------------------------- the self-check
@pytest.fixture(scope="module")
def selfcheck_host():
    """What `pytest autograder` loads notebooks in (autograder/conftest.py): one sandbox for all,
    which forks a fresh process for each notebook and cleans up between them; where no sandbox can
    be made, a plain worker per notebook (None). The attacks are its notebooks, one after another."""
    host = None if sandbox_missing() else WorkerHost(LIMITS)
    yield host
    if host is not None:
        host.close()


@pytest.mark.parametrize("i", range(len(ATTACKS)), ids=IDS)
def test_attack_gains_nothing_in_the_self_check(tmp_path, selfcheck_host, i):
    """Under `pytest autograder`'s public checks, in the self-check's sandbox: do exactly the
    attacked tasks fail?"""
    attack = ATTACKS[i]
    path = tmp_path / f"{attack.filename}.ipynb"
    if attack.text is not None:
        path.write_text(attack.text)
    else:
        release = read(ROOT / "assignments" / A01 / f"{A01}.ipynb")
        reference = reference_answers(read(ROOT / "solutions" / A01 / f"{A01}.ipynb"))
        path.write_text(json.dumps(_notebook(attack, release, reference)))
    if attack.filename != A01:
        return  # the self-check finds notebooks by assignment prefix; a rename only matters to nbgrader
    caller = WorkerCaller(path, LIMITS, host=selfcheck_host)
    failed = {}
    try:
        for name in sorted({t.name for t in TASKS.values() if t.assignment == "a01"}):
            messages = [m for c in checks_for(f"a01.{name}") if (m := attempt(c, caller)) is not None]
            if messages:
                failed[name] = messages
    finally:
        caller.close()
    assert set(failed) == _lost(attack), failed
    if attack.says and attack.status != "review":
        assert any(attack.says in m for ms in failed.values() for m in ms), failed


def test_no_process_outlives_the_attacks(graded, selfcheck_host):
    """Is every process the attackers started gone: workers, nbgrader's kernels (whether nbgrader
    shut them down or the notebook's time ran out) and the fork bomb's children? (The self-check's
    sandbox is closed first, as `pytest autograder` closes it at its end.)"""
    if selfcheck_host is not None:
        selfcheck_host.close()
    assert not processes_left_by_this_test_run()
