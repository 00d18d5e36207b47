"""Does the suite's own parallel run keep the tests that share an expensive fixture together?"""
from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def built_once():
    return os.environ.get("PYTEST_XDIST_WORKER")


def test_tests_sharing_a_module_fixture_carry_their_group(request, built_once):
    """Under ``--dist loadgroup`` (pyproject.toml), does a test using a module-scoped fixture carry the
    group tests/conftest.py gives it, so that pytest-xdist runs the fixture on one worker only? It
    would not with pytest 9.2 and pytest-xdist 3.8 (pytest-xdist#1386): the group is silently lost and
    each graded class is built once per worker."""
    if built_once is None or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup (e.g. pytest -n 0)")
    assert request.node.nodeid.endswith("@test_parallel_suite"), request.node.nodeid
