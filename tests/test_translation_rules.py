"""The machinery of the editions, each rule shown failing on a planted mistake: the units of a
notebook, the catalogue's update (a changed English marks its translation stale), the rules a
translation keeps, and the release that refuses an incomplete catalogue."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT, solution_notebook
from test_translations import GLOSSARY, simplified_characters

from deepgrad.base.catalogues import (
    read_catalogue,
    stale_or_missing,
    translated_notebook,
    updated,
)
from deepgrad.base.errors import CourseError
from deepgrad.base.notebook_text import code_outside_units, replaced, units
from deepgrad.base.translation_rules import Glossary, problems

CELL = '''def sigmoid(z):
    """The logistic function, elementwise.

    Parameters
    ----------
    z : ndarray of shape (N, D)
    """
    # TODO: use exp(-|z|) so that nothing overflows.
    ### BEGIN SOLUTION
    # a comment of the reference, never released
    return 1 / (1 + np.exp(-z))
    ### END SOLUTION

print(f"sigmoid(0) = {sigmoid(0):.3f}", "done")
plt.plot(z, sigmoid(z), label="sigmoid(z)")
ax.set(xlabel="input z", title="the sigmoid squashes " + "every z")
'''


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c) if c.startswith(("#", "**")) else
                nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def test_units_are_the_prose_and_only_the_prose():
    """Paragraphs, comments, docstrings and shown strings, not code, formulas or solution blocks."""
    nb = notebook("# Title\n\nA paragraph with $x^2$\nover two lines.\n\n$$\na = b\n\nc = d\n$$\n\n```\ncode\n```", CELL)
    found = [(u.kind, u.text) for u in units(nb)]
    assert found == [
        ("markdown", "# Title"),
        ("markdown", "A paragraph with $x^2$\nover two lines."),
        ("docstring", 'The logistic function, elementwise.\n\n    Parameters\n    ----------\n    z : ndarray of shape (N, D)\n    '),
        ("comment", "TODO: use exp(-|z|) so that nothing overflows."),
        ("shown", "sigmoid(0) = {sigmoid(0):.3f}"),
        ("shown", "done"),
        ("shown", "sigmoid(z)"),
        ("shown", "input z"),
        ("shown", "the sigmoid squashes "),
        ("shown", "every z"),
    ]


def test_a_test_cell_is_never_a_unit():
    nb = notebook(CELL)
    nb.cells[0].metadata["nbgrader"] = {"grade": True, "grade_id": "test_x", "locked": True, "points": 1}
    assert units(nb) == []


def test_replacing_units_changes_words_only():
    """Every unit replaced: the code outside them is byte for byte the same, and still parses."""
    nb = json.loads(solution_notebook("a03").read_text())
    english = copy.deepcopy(nb)
    missing = translated_words(nb)
    assert missing == []
    assert code_outside_units(nb) == code_outside_units(english)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            compile(cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"]), "cell", "exec")
    assert nb != english


def translated_words(nb):
    return replaced(nb, lambda unit: "譯" + unit.text.replace('"', "'") if unit.kind != "markdown" else "譯" + unit.text)


def test_code_outside_units_sees_a_code_change():
    """Planted: a translation that also changed code is told apart."""
    nb = json.loads(solution_notebook("a01").read_text())
    changed = copy.deepcopy(nb)
    for cell in changed["cells"]:
        if cell["cell_type"] == "code" and "path[0] = x0" in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace("path[0] = x0", "path[0] = x0 + 1")
    assert code_outside_units(changed) != code_outside_units(nb)


@pytest.mark.parametrize("english, chinese, says", [
    ("Use $f(x)=x^2$ here.", "這裡用 $f(x)=x^3$。", "formula"),
    ("Call `sigmoid(z)` first.", "先呼叫 `sigmoid(x)`。", "inline code"),
    ("Take 60 steps.", "走 6 步。", "number"),
    ("loss {loss:.4f} at step {t}", "第 {t} 步的損失 {loss:.3f}", "placeholder"),
    ("loss {:.4f} at step {}", "第 {} 步的損失 {:.4f}（{最小值}", "brace"),
    ("## 2. The sigmoid", "# 2. Sigmoid 函數", "heading level"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |\n| 1 | 2 |", "table rows"),
    ("    z : ndarray of shape (N,)\n        The input.", "    輸入 z : 陣列 (N,)\n        輸入。", "docstring line"),
    ("    z : ndarray\n    ----------", "    z : 陣列\n    -----", "docstring line"),
    ("Pick the learning rate.", "選擇步長。", "學習率"),
    ("The data, once more.", "再一次的數據與資料。", "mainland"),
    ("Two words, then more.", "兩個字,然後更多。", "half-width"),
    ("Two words here.", "", "not translated"),
    ("Two words here.", "Two words here.", "no Chinese"),
])
def test_each_rule_fails_on_a_planted_mistake(english, chinese, says):
    found = problems(english, chinese, GLOSSARY)
    assert any(says in p for p in found), found


def test_a_faithful_translation_passes():
    english = "**Worked example.** Use $f(x)=x^2+2x+1$, with `x0 = 10` and the learning rate `lr = 0.05`."
    chinese = "**計算範例。** 使用 $f(x)=x^2+2x+1$，其中 `x0 = 10`、學習率 `lr = 0.05`。"
    assert problems(english, chinese, GLOSSARY) == []
    assert problems("sigmoid(z)", "sigmoid(z)", GLOSSARY) == []  # a name is kept as it is


def test_opencc_finds_simplified_characters():
    assert simplified_characters("梯度下降的學習率，只用一目了然的分布") == []  # OpenCC re-spells 只, 了, 布
    assert simplified_characters("梯度下降的学习率，数") == ["习", "学", "数"]


@pytest.mark.parametrize("english, chinese", [
    ("    weights : list of ndarray\n        All of them.", "    weights : list of ndarray\n        全部。"),
    ("{label}\ntrain {acc:.1%}", "{label}\n訓練 {acc:.1%}"),
    ("    n_inputs : int, the number of input features D", "    n_inputs : int，輸入特徵的個數 D"),
    ("|grad_W1 - numeric|:", "|grad_W1 - numeric| 的最大值："),
    ("Split 75% for training and 25% for tests.", "切分為 75% 訓練與 25% 測試。"),
    ("The body-mass index, as data.", "身體質量指數，作為資料。"),
    ("    rho : float,\n        The decay.", "    rho : float,\n        衰減率。"),
])
def test_names_and_code_are_not_prose(english, chinese):
    """A glossary word or half-width punctuation inside what is kept (a `name : type` line, a
    placeholder) is no mistake of the translation."""
    assert problems(english, chinese, GLOSSARY) == []


def test_the_glossary_holds_the_seeds_terms():
    glossary = Glossary.read(ROOT / "translations" / "zh_TW" / "glossary.tsv")
    for word in ("梯度下降", "反向傳播", "損失函數", "學習率", "權重", "神經元", "隱藏層", "激活函數", "小批量",
                 "動量", "交叉熵", "梯度消失", "梯度爆炸", "過度擬合", "遞迴神經網路", "資料"):
        assert word in glossary.required.values()
    for form in ("網絡", "默認", "信息", "質量", "運行", "視頻", "數據"):
        assert form in glossary.forbidden


def test_a_changed_english_paragraph_makes_its_translation_stale():
    """The English edited: its old translation is kept, marked fuzzy with the old English beside
    it, and counted as waiting; a removed paragraph leaves; a new one starts empty."""
    nb = notebook("# Gradient descent\n\nTake small steps downhill, one after another.\n\nA paragraph that goes.")
    first = updated(read_catalogue(ROOT / "nowhere.po"), units(nb), "a00", "zh-TW")
    for entry in first:
        entry.msgstr = "譯" + entry.msgid
    nb.cells[0].source = "# Gradient descent\n\nTake small steps downhill, one after the other.\n\nMomentum remembers."
    second = updated(first, units(nb), "a00", "zh-TW")
    by_id = {e.msgid: e for e in second}
    changed = by_id["Take small steps downhill, one after the other."]
    assert "fuzzy" in changed.flags and changed.previous_msgid == "Take small steps downhill, one after another."
    assert by_id["Momentum remembers."].msgstr == "" and "A paragraph that goes." not in by_id
    assert not by_id["# Gradient descent"].flags
    assert {e.msgid for e in stale_or_missing(second)} == {changed.msgid, "Momentum remembers."}


def test_the_release_refuses_a_stale_or_missing_translation():
    nb = notebook("# Gradient descent\n\nTake small steps.")
    catalogue = updated(read_catalogue(ROOT / "nowhere.po"), units(nb), "a00", "zh-TW")
    catalogue[0].msgstr = "# 梯度下降"
    with pytest.raises(CourseError, match="1 paragraph"):
        translated_notebook(copy.deepcopy(nb), catalogue, "zh-TW", "a00")
    catalogue[1].msgstr, catalogue[1].flags = "走小步。", ["fuzzy"]
    with pytest.raises(CourseError, match="deepgrad translate"):
        translated_notebook(copy.deepcopy(nb), catalogue, "zh-TW", "a00")
    catalogue[1].flags = []
    made = translated_notebook(copy.deepcopy(nb), catalogue, "zh-TW", "a00")
    assert made.cells[0].source == "# 梯度下降\n\n走小步。" and made.metadata["deepgrad"]["language"] == "zh-TW"


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_every_notebook_has_units(assignment):
    assert len(units(json.loads(solution_notebook(assignment).read_text()))) > 50
