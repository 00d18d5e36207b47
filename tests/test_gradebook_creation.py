"""deepgrad makes a new gradebook as nbgrader's Gradebook makes it on first use (same tables, same
alembic revision row, in this process instead of nbgrader's alembic subprocess), and leaves an
existing one alone."""
from __future__ import annotations

import sqlite3

from nbgrader.api import Gradebook

from deepgrad.adapters.gradebook import create_if_absent


def _contents(path):
    with sqlite3.connect(path) as db:
        schema = sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
        return schema, db.execute("SELECT * FROM alembic_version").fetchall()


def test_the_same_gradebook_as_nbgraders(tmp_path):
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    create_if_absent(f"sqlite:///{ours}")
    Gradebook(f"sqlite:///{theirs}").close()  # nbgrader's own way (its alembic subprocess)
    schema, revision = _contents(ours)
    assert (schema, revision) == _contents(theirs)
    assert len(revision) == 1 and len(schema) > 10
    with Gradebook(f"sqlite:///{ours}") as gradebook:  # nbgrader takes it as its own
        gradebook.add_student("ada")
        assert [s.id for s in gradebook.students] == ["ada"]


def test_an_existing_gradebook_is_left_alone(tmp_path):
    path = tmp_path / "gradebook.db"
    create_if_absent(f"sqlite:///{path}")
    with Gradebook(f"sqlite:///{path}") as gradebook:
        gradebook.add_student("ada")
    before = path.read_bytes()
    create_if_absent(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_what_cannot_be_reached_is_left_to_nbgrader(tmp_path):
    create_if_absent(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'gradebook.db'}")
    create_if_absent("postgresql://nobody@127.0.0.1:9/none")
    create_if_absent("not a url")
    assert not (tmp_path / "no").exists()
