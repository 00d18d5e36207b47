"""The course's messages in 繁體中文 (autograder/locale/zh_TW/): every sentence the self-check and the
grader say is a template of a catalogue, current, translated faithfully; a student of the 繁體中文
edition reads Chinese throughout, numbers, names and code as they are."""
from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from conftest import NOTEBOOKS, ROOT
from diagnosed_bugs import DIAGNOSED
from test_planted_bugs import BUGS, bug_key, failures, planted
from test_translations import GLOSSARY, simplified_characters

from autograder import messages
from autograder.diagnose import hint_of
from autograder.messages import fields, phrase, say, speaking
from deepgrad.base.message_catalogues import (
    fresh_catalogue,
    message_catalogue_path,
    speaking_modules,
    unsaid_prose,
)
from deepgrad.base.translation_rules import problems

LANGUAGE = "zh-TW"
MODULES = speaking_modules(ROOT)
LOCALE = ROOT / "autograder" / "locale"
# Words no Chinese message has outside its code, names and values: English prose left untranslated.
ENGLISH = re.compile(r"(?<![\w`'\"./-])(?:the|is|are|was|were|of|should|returned|expected|got|with|and|not|for|"
                     r"where|it|its|but|an|at|to|when|from|than|has|have|does|did|you|your|every|each|"
                     r"check|checks|passed|failed|hint|value|values|wrong|entries|differ|instead)(?![\w`'\"(-])",
                     re.IGNORECASE)
CODE = re.compile(r"`[^`\n]*`|'[^'\n]*'|\"[^\"\n]*\"|<[^>\n]*>")


# A Python traceback a message quotes (the student's code raised): its header, its frames and the
# exception's own line are Python's and the student's words, in no course's language.
TRACEBACK = re.compile(r"Traceback \(most recent call last\):\n(?:[ \t].*\n|\n)*[\w.]+(?::[^\n]*)?", re.MULTILINE)


def english_left(message: str) -> list[str]:
    """English words of ``message`` outside its code spans, quoted strings, shown arrays and quoted
    tracebacks."""
    prose = CODE.sub(" ", TRACEBACK.sub(" ", message))
    prose = re.sub(r"\[[^\]]*\]|array\([^)]*\)", " ", prose)  # numpy's printing of arrays
    return ENGLISH.findall(prose)


def test_the_english_detector_finds_planted_english():
    """Planted: an English sentence, and one English fragment in a Chinese message, are found;
    code, names and values are not."""
    assert english_left("`sigmoid` returned a wrong value")
    assert english_left("`sigmoid` 回傳的值錯誤 for z of shape (3,)")
    assert english_left("提示：it is exactly twice the expected value")
    assert not english_left("`sigmoid` 回傳的值錯誤（索引 (2,)）：得到 0.5，應為 0.25\n回傳：\n[0.5 0.7]\n應為：\n[0.25 0.7]")
    assert not english_left("`np.where(z >= 0, 1, 0)` 與 'the value' 及 array([1., 2.])")
    quoted = ("`f` 引發了 ValueError：\nTraceback (most recent call last):\n  File \"<cell 3>\", line 2, in f\n"
              "    return x @ w\nValueError: matmul: Input operand 1 has a mismatch in its core dimension\n提示：請檢查形狀")
    assert not english_left(quoted)
    assert english_left(quoted + " and the shape is wrong")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_message_catalogue_is_current(module):
    """Is the module's catalogue what `deepgrad translate` makes from its code now?"""
    path = message_catalogue_path(LANGUAGE, module, LOCALE)
    assert path.is_file(), f"run `deepgrad translate` and commit {path}"
    fresh = fresh_catalogue(ROOT, LANGUAGE, module, MODULES[module], LOCALE)
    assert str(fresh) == path.read_text(encoding="utf-8"), f"run `deepgrad translate` and commit {path}"


def test_no_catalogue_of_a_module_that_says_nothing():
    assert sorted(p.stem for p in (LOCALE / "zh_TW").glob("*.po")) == sorted(MODULES)


def message_problems(entry: polib.POEntry) -> list[str]:
    if not entry.msgstr:
        return ["not translated"]
    if "fuzzy" in entry.flags:
        return [f"stale: translated from {entry.previous_msgid!r}"]
    said = problems(entry.msgid, entry.msgstr, GLOSSARY)
    if fields(entry.msgid) != fields(entry.msgstr):
        said.append(f"placeholders {sorted(fields(entry.msgstr))} where the English has {sorted(fields(entry.msgid))}")
    if entry.msgid.startswith("\n") != entry.msgstr.startswith("\n"):
        said.append("the English starts on a new line: so must the translation")
    english = english_left(re.sub(r"\{[^{}]*\}", " ", entry.msgstr))
    if english:
        said.append(f"English words left in the translation: {english}")
    said += [f"Simplified character {c}" for c in simplified_characters(entry.msgstr)]
    return said


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_message_is_translated_faithfully(module):
    """Is every template translated, from its English as it is now, keeping its placeholders,
    code, numbers and formulas, with the glossary's words, Chinese punctuation, Traditional forms?"""
    catalogue = polib.pofile(str(message_catalogue_path(LANGUAGE, module, LOCALE)), wrapwidth=0)
    said = [f"{entry.msgid!r}: {problem}" for entry in catalogue for problem in message_problems(entry)]
    assert not said, "\n".join(said)


def test_a_lost_placeholder_is_a_problem():
    """Planted: a translation that drops a placeholder, and one in English, are refused."""
    entry = polib.POEntry(msgid="`{fn}` returned {value!r}{where}", msgstr="`{fn}` 回傳了 {value!r}")
    assert any("placeholders" in p for p in message_problems(entry))
    entry = polib.POEntry(msgid="`{fn}` returned {value!r}{where}", msgstr="`{fn}` returned {value!r}{where}")
    assert message_problems(entry)


SOURCE_FILES = sorted(p for package in ("autograder",) for p in (ROOT / package).rglob("*.py")
                      if "locale" not in p.parts)


@pytest.mark.parametrize("path", SOURCE_FILES, ids=[str(p.relative_to(ROOT)) for p in SOURCE_FILES])
def test_every_sentence_a_student_reads_is_a_template(path):
    """Does the student's package write no English sentence outside say()/N_() (docstrings and
    developers' exceptions aside)? Such a sentence would reach a 繁體中文 student in English."""
    found = unsaid_prose(path)
    assert not found, "\n".join(f"{path.name}:{line}: {text!r}" for line, text in found)


def test_the_unsaid_prose_finder_finds_a_planted_sentence(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('"""Doc string here."""\nfrom autograder.messages import say\n'
                      'def f(x):\n    """Docs too."""\n    ok = say("a wrong {x} here", x=x)\n'
                      '    raise ValueError("a developer error")\n'
                      '    return f"returned {x} twice"\n')
    assert [text for _, text in unsaid_prose(source)] == ["returned {…} twice"]


def test_say_translates_fills_and_falls_back(monkeypatch):
    """say() speaks the current language, fills placeholders, and says the English where the
    translation is missing or cannot be filled; a phrase keeps its constant's English as key."""
    monkeypatch.setitem(messages._translations("zh-TW"), "planted {x}", "種下 {y}")
    with speaking("zh-TW"):
        assert say("`{fn}` returned {value}{where}; expected a finite number.", fn="f", value=1, where="") \
            != "`f` returned 1; expected a finite number."
        assert say("not in any catalogue {x}", x=1) == "not in any catalogue 1"
        assert say("planted {x}", x=1) == "planted 1"  # the translation lost {x}: English
    assert say("planted {x}", x=1) == "planted 1"
    assert phrase("check the sign") == "check the sign"


def test_the_language_comes_from_the_notebook_and_junk_is_english():
    assert messages.language_of({"deepgrad": {"language": "zh-TW"}}) == "zh-TW"
    for junk in ({}, {"deepgrad": "zh-TW"}, {"deepgrad": {"language": ["zh-TW"]}}, {"deepgrad": {"language": "xx"}},
                 None, "zh-TW"):
        assert messages.language_of(junk) == "en"
    with pytest.raises(ValueError), speaking("fr"):
        pass


@pytest.mark.parametrize("task_id, source, words", BUGS, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(BUGS)])
def test_a_planted_bug_is_said_in_chinese_throughout(reference, task_id, source, words):
    """Is every message a planted bug gets in 繁體中文 free of English prose, and does its hint
    name the same mistake as the English one, in Chinese?"""
    with speaking(LANGUAGE):
        said = failures(planted(reference, task_id, source), task_id)
    english = failures(planted(reference, task_id, source), task_id)
    # graded alike: the same checks fail, in the same order, whatever the language
    assert [m.split(":", 1)[0] for m in said] == [m.split(":", 1)[0] for m in english], (said, english)
    assert said, f"no check of {task_id} caught the bug in 繁體中文"
    leftovers = {m: english_left(m) for m in said if english_left(m)}
    assert not leftovers, leftovers
    expected = {phrase_in(kind) for kind in DIAGNOSED.get(bug_key(task_id, source), set())}
    named = {kind for kind in expected for m in said if (hint_of(m) or "").find(kind) >= 0}
    assert named == expected, said


def phrase_in(kind: str) -> str:
    with speaking(LANGUAGE):
        return phrase(kind)


def test_every_assignment_has_a_catalogue_of_its_checks():
    """Each assignment's checks speak (and so have a catalogue) — none left in English wholesale."""
    for assignment in NOTEBOOKS:
        assert any(module.startswith(f"autograder.checks.{assignment}") for module in MODULES), assignment


def test_locale_folder_ships_with_the_package():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"locale/*/*.po"' in pyproject
    assert Path(messages.LOCALE_DIR).is_dir()


def test_the_feedback_pages_own_words_follow_the_notebooks_language():
    """nbgrader's template's words around the notebook are said in the notebook's language; the same
    words written by the student inside the notebook are left as they are; English pages unchanged."""
    from deepgrad.adapters.feedback_html import in_language

    page = ('<h4>a01 (Score: 12.0 / 16.0)</h4><li><a href="#sigmoid">Test cell</a> (Score: 2.0 / 2.0)</li>\n'
            '<span class="nbgrader-label">Student\'s answer</span>\n      Score: 2.0 / 2.0 <a href="#top">(Top)</a>'
            '<p>Test cell and (Score: high) as a student wrote them</p>')
    said = in_language(page, "zh-TW")
    assert "（分數：12.0 / 16.0）" in said and ">測試儲存格</a>" in said and "學生的作答" in said
    assert "分數：2.0 / 2.0 " in said and "（回到頂端）" in said
    assert "<p>Test cell and (Score: high) as a student wrote them</p>" in said
    assert in_language(page, "en") == page


def test_a_template_said_in_two_modules_has_one_translation():
    """Every catalogue is read into one table (autograder.messages): a template two modules say must
    mean the same in both, or one of them would be said with the other's words."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for module in sorted(MODULES):
        for entry in polib.pofile(str(message_catalogue_path(LANGUAGE, module, LOCALE)), wrapwidth=0):
            first = seen.setdefault(entry.msgid, (module, entry.msgstr))
            if first[1] != entry.msgstr:
                clashes.append(f"{entry.msgid!r}: {first[0]} says {first[1]!r}, {module} says {entry.msgstr!r}")
    assert not clashes, "\n".join(clashes)


def test_the_feedback_pages_words_are_found_in_linear_time():
    """A page whose student output holds a long run of blank lines (each could start the indented
    score's line) is translated within seconds: the old pattern scanned the run again from each of
    its new lines (100,000 lines: minutes)."""
    import time

    from deepgrad.adapters.feedback_html import in_language

    page = "<pre>" + "\n" * 100_000 + "</pre>\n      Score: 2.0 / 2.0 <a"
    start = time.perf_counter()
    said = in_language(page, "zh-TW")
    assert time.perf_counter() - start < 10 and said.endswith("分數：2.0 / 2.0 <a")
