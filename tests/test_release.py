"""Is the committed release exactly what nbgrader makes from solutions/, and all stubs?"""
from __future__ import annotations

import pytest

from autograder.calls import StudentProblem, WorkerCaller
from autograder.registry import CHECKS, load_all
from conftest import NOTEBOOKS, released_course
from deepgrad.adapters.translated_release import release_folder
from deepgrad.base.course_files import copy_course
from deepgrad.commands.release import generate_release


@pytest.mark.parametrize("language", ["en", "zh-TW"])
def test_release_is_in_sync_with_solutions(root, tmp_path, language):
    """Does regenerating each edition's release from solutions/ (and, for 繁體中文, the catalogues)
    reproduce assignments/ or assignments-zh-TW/ byte for byte?"""
    course = copy_course(root, tmp_path / "course")
    generate_release(course, language)
    folder = release_folder(language)
    fresh = {p.relative_to(course / folder): p.read_bytes()
             for p in (course / folder).rglob("*") if p.is_file()}
    committed = {p.relative_to(root / folder): p.read_bytes()
                 for p in (root / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert sorted(fresh) == sorted(committed), f"run `deepgrad release --lang all` and commit {folder}/"
    drifted = [str(name) for name in fresh if fresh[name] != committed[name]]
    assert not drifted, f"out of date: {drifted}; run `deepgrad release --lang all` and commit {folder}/"


def test_sync_check_notices_a_hand_edit(root, tmp_path):
    """Would a hand edit of a released notebook be noticed by the comparison above?"""
    course, _, _ = released_course(tmp_path / "course", "a01")  # a01's release made anew: the one edited
    name = NOTEBOOKS["a01"]
    released = course / "assignments" / name / f"{name}.ipynb"
    before = released.read_bytes()
    released.write_text(released.read_text().replace("raise NotImplementedError()", "pass", 1))
    assert released.read_bytes() != before
    assert (root / "assignments" / name / f"{name}.ipynb").read_bytes() == before


@pytest.fixture(scope="module")
def release_callers(request):
    from conftest import ROOT

    callers = {a: WorkerCaller(ROOT / "assignments" / n / f"{n}.ipynb") for a, n in NOTEBOOKS.items()}
    yield callers
    for caller in callers.values():
        caller.close()


load_all()


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_release_stub_fails_as_not_implemented(release_callers, check_id):
    """Does every public check fail on the untouched release with 'not implemented yet'?"""
    check = CHECKS[check_id]
    with pytest.raises(StudentProblem) as problem:
        check.run(release_callers[check.task.assignment], **check.params)
    assert problem.value.not_implemented and "not implemented yet" in problem.value.message
