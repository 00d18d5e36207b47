"""Does `pytest autograder` speak the language of the notebook it checks, as docs/students.md says?

Each check says its messages in its notebook's language (``metadata.deepgrad.language``, written by
the 繁體中文 release in assignments-zh-TW/; none, or anything the course does not speak: English),
the score table in the language of the notebooks checked (English where they differ); ``--lang``,
or else ``DEEPGRAD_LANG``, says everything in one language. The self-check runs on assignment 1's
stubs (every check "not implemented yet"): a couple of seconds each.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.calls import NOT_IMPLEMENTED
from autograder.messages import ENVIRONMENT, say, speaking
from autograder.registry import CHECKS, load_all
from conftest import NOTEBOOKS, ROOT
from test_selfcheck_cli import score_line

CJK = re.compile(r"[\u3400-\u9fff]")
A01, A02 = NOTEBOOKS["a01"], NOTEBOOKS["a02"]
ZH_A01 = ROOT / "assignments-zh-TW" / A01 / f"{A01}.ipynb"
EN_A01 = ROOT / "assignments" / A01 / f"{A01}.ipynb"
# A plugin that plants the bug "the notebook's metadata is ignored": every notebook is English.
IGNORING_METADATA = "import autograder.conftest as plugin\nplugin.notebook_language = lambda path: 'en'\n"


def selfcheck(*args: str, env: dict | None = None, path: Path | None = None) -> subprocess.CompletedProcess:
    """`pytest autograder ARGS` from the course folder, with no DEEPGRAD_LANG but ``env``'s
    (``path``: a folder put on PYTHONPATH, for a planted plugin)."""
    environment = {k: v for k, v in os.environ.items() if k != ENVIRONMENT}
    if path is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, (str(path), environment.get("PYTHONPATH"))))
    return subprocess.run([sys.executable, "-m", "pytest", "autograder", "-p", "no:randomly", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**environment, **(env or {})})


def in_chinese(template: str, **values) -> str:
    with speaking("zh-TW"):
        return say(template, **values)


def checks_of(assignment: str) -> int:
    load_all()
    return sum(c.task.assignment == assignment for c in CHECKS.values())


def chinese_problems(done: subprocess.CompletedProcess, assignment: str = "a01", fn: str = "sigmoid") -> list[str]:
    """What is not Chinese in a self-check's output on ``assignment``'s stubs: each check's message,
    the table's title, the public checks' line and the JSON line; no English sentence of ours."""
    out, total = done.stdout, checks_of(assignment)
    wanted = [in_chinese(NOT_IMPLEMENTED) + f"`{fn}`", in_chinese("deepgrad self-check"),
              in_chinese("public checks: {passed}/{total} passed; hidden checks run at grading", passed=0, total=total)]
    said = [f"no {text!r} in the output" for text in wanted if text not in out]
    said += [f"{text!r} has no Chinese (the catalogue?)" for text in wanted if not CJK.search(text)]
    said += [f"English {text!r} in the output" for text in ("not implemented yet", "public checks:", "checks passed",
                                                            "hidden checks run at grading") if text in out]
    lines = out.rstrip().splitlines()
    if not lines or lines[-2:-1] != [wanted[2]]:
        said.append(f"the line above the JSON line is not {wanted[2]!r}: {lines[-2:-1]}")
    if score_line(out)["hidden_checks"] != "run at grading":  # for programs: the same in every language
        said.append(f"the JSON line's hidden_checks is {score_line(out)['hidden_checks']!r}")
    return said


def english_problems(done: subprocess.CompletedProcess, assignment: str = "a01", fn: str = "sigmoid") -> list[str]:
    out, total = done.stdout, checks_of(assignment)
    wanted = [f"not implemented yet: `{fn}` still raises NotImplementedError.",
              f"public checks: 0/{total} passed; hidden checks run at grading", "deepgrad self-check"]
    said = [f"no {text!r} in the output" for text in wanted if text not in out]
    return said + [f"Chinese in the output: {line!r}" for line in out.splitlines() if CJK.search(line)][:3]


def test_a_chinese_notebook_is_checked_in_chinese():
    """The 繁體中文 release's assignment 1 (stubs): is every check's message Chinese, and the score
    table, the public checks' line and the JSON line too?"""
    done = selfcheck("--submission", str(ZH_A01), "-m", "a01")
    assert done.returncode == 1, done.stdout[-3000:]
    assert not chinese_problems(done), chinese_problems(done)
    assert done.stdout.count(in_chinese(NOT_IMPLEMENTED)) >= checks_of("a01")
    table = done.stdout.split(in_chinese("deepgrad self-check"))[1]
    assert in_chinese("{passed}/{total} checks passed", passed=0, total=3) in table  # sigmoid's row


def test_the_chinese_test_finds_a_self_check_that_ignores_the_metadata(tmp_path):
    """Planted bug: every notebook taken for English, whatever its metadata. Does the check of the
    test above fail on that output?"""
    (tmp_path / "ignoring_metadata.py").write_text(IGNORING_METADATA)
    done = selfcheck("--submission", str(ZH_A01), "-m", "a01", "-p", "ignoring_metadata", path=tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert chinese_problems(done)
    assert not english_problems(done), english_problems(done)


@pytest.mark.parametrize("env", [{}, {ENVIRONMENT: "zh-TW"}], ids=["auto", "DEEPGRAD_LANG=zh-TW"])
def test_lang_en_says_everything_in_english(env):
    """`--lang en` on the 繁體中文 notebook, with or without DEEPGRAD_LANG=zh-TW: is it all English?"""
    done = selfcheck("--submission", str(ZH_A01), "-m", "a01", "--lang", "en", env=env)
    assert done.returncode == 1, done.stdout[-3000:]
    assert not english_problems(done), english_problems(done)


@pytest.mark.parametrize("how", [["--lang", "zh-TW"], []], ids=["--lang zh-TW", "DEEPGRAD_LANG=zh-TW"])
def test_an_english_notebook_can_be_checked_in_chinese(how):
    """The English release's assignment 1, with `--lang zh-TW` or DEEPGRAD_LANG=zh-TW: Chinese throughout?"""
    done = selfcheck("--submission", str(EN_A01), "-m", "a01", *how, env={} if how else {ENVIRONMENT: "zh-TW"})
    assert done.returncode == 1, done.stdout[-3000:]
    assert not chinese_problems(done), chinese_problems(done)


def with_language(source: Path, target: Path, language) -> Path:
    """A copy of the notebook at ``source`` whose metadata names ``language``."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["metadata"]["deepgrad"] = {"language": language}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb), encoding="utf-8")
    return target


def test_a_language_the_course_does_not_speak_is_english(tmp_path):
    """A notebook whose metadata names a language the course has not ("fr"), or names it in a list
    (the metadata is the student's file's): are its checks and the table English?"""
    with_language(ZH_A01, tmp_path / A01 / f"{A01}.ipynb", "fr")
    zh_a02 = ROOT / "assignments-zh-TW" / A02 / f"{A02}.ipynb"
    with_language(zh_a02, tmp_path / A02 / f"{A02}.ipynb", ["zh-TW"])
    done = selfcheck("--submission", str(tmp_path), "-m", "a01 or a02")
    assert done.returncode == 1, done.stdout[-3000:]
    out = done.stdout
    assert "not implemented yet: `sigmoid` still raises" in out and "not implemented yet: `loss` still raises" in out
    assert "public checks: 0/" in out and not any(CJK.search(line) for line in out.splitlines())


def test_notebooks_in_two_languages_each_speak_their_own_and_the_table_is_english(tmp_path):
    """A 繁體中文 a01 beside an English a02: are a01's messages Chinese, a02's English, and the
    table, said to both, English?"""
    with_language(ZH_A01, tmp_path / A01 / f"{A01}.ipynb", "zh-TW")
    en_a02 = ROOT / "assignments" / A02 / f"{A02}.ipynb"
    (tmp_path / A02).mkdir()
    (tmp_path / A02 / f"{A02}.ipynb").write_bytes(en_a02.read_bytes())
    done = selfcheck("--submission", str(tmp_path), "-m", "a01 or a02")
    assert done.returncode == 1, done.stdout[-3000:]
    out = done.stdout
    assert in_chinese(NOT_IMPLEMENTED) + "`sigmoid`" in out
    assert "not implemented yet: `loss` still raises" in out and "not implemented yet: `sigmoid`" not in out
    total = checks_of("a01") + checks_of("a02")
    assert out.rstrip().splitlines()[-2] == f"public checks: 0/{total} passed; hidden checks run at grading"
    assert "\ndeepgrad self-check" in out or "deepgrad self-check =" in out


def test_an_unknown_deepgrad_lang_is_a_usage_error():
    """DEEPGRAD_LANG=fr: does the self-check refuse to start, naming the languages it speaks?"""
    done = selfcheck("--submission", str(EN_A01), "-m", "a01", env={ENVIRONMENT: "fr"})
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "zh-TW" in done.stderr and "Traceback" not in done.stderr


STUB = "def sigmoid(z):\n    raise NotImplementedError()\n"


@pytest.mark.parametrize("notebook, env, chinese", [
    (ZH_A01, None, True), (EN_A01, None, False), (None, None, False), (EN_A01, "zh-TW", True), (ZH_A01, "en", False)],
    ids=["zh-TW notebook", "English notebook", "no notebook known", "DEEPGRAD_LANG=zh-TW", "DEEPGRAD_LANG=en"])
def test_a_notebooks_own_test_cell_speaks_its_language(monkeypatch, notebook, env, chinese):
    """`check("a01.sigmoid")` in a notebook's test cell, on a stub: is its failure said in the
    language of the notebook the kernel runs (as VS Code tells it), or of DEEPGRAD_LANG?"""
    from autograder.calls import CheckFailure

    monkeypatch.delenv(ENVIRONMENT, raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    if env:
        monkeypatch.setenv(ENVIRONMENT, env)
    namespace = {} if notebook is None else {"__vsc_ipynb_file__": str(notebook)}
    exec(STUB, namespace)  # noqa: S102
    with pytest.raises(CheckFailure) as failed:
        exec("from autograder.api import check\ncheck('a01.sigmoid')\n", namespace)  # noqa: S102
    said = str(failed.value)
    assert (in_chinese(NOT_IMPLEMENTED) in said) == chinese and ("not implemented yet: " in said) != chinese, said
