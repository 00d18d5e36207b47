"""The verdict's scores in nbgrader's gradebook, whatever database the course's ``db_url`` names."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import nbgrader
import nbgrader.api
from nbgrader.api import Base, Gradebook, MissingEntry
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..base.errors import CourseError

_engines: OrderedDict[tuple, object] = OrderedDict()  # the most recently used last
_engines_lock = threading.Lock()
SHARED_ENGINES = 8  # databases whose engines are kept (a test run grades hundreds of course copies)


def shared_engine(url, **options):
    """SQLAlchemy's ``create_engine``, one engine per database and options in this process.

    nbgrader's ``Gradebook`` makes a new engine each time it opens (some ten times per submission
    autograded) and with it an empty cache of compiled SQL, so every query was compiled anew: a
    sixth of the grading process's CPU. An engine shared keeps that cache. Nothing else is kept
    between gradebooks: ``Gradebook.close`` still disposes the engine, which closes its pooled
    connections (one still in use is closed when given back), so no connection outlives its
    gradebook. An in-memory SQLite database (one per engine) gets its own engine, as before, and
    a forked process its own engines."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return create_engine(url, **options)
    key = (os.getpid(), parsed.render_as_string(hide_password=False),
           tuple(sorted((name, repr(value)) for name, value in options.items())))
    with _engines_lock:
        engine = _engines.pop(key, None) or create_engine(url, **options)
        _engines[key] = engine
        while len(_engines) > SHARED_ENGINES:  # dropped, not disposed: a gradebook may still use it
            _engines.popitem(last=False)
    return engine


@contextmanager
def engines_shared():
    """While inside, every ``Gradebook`` nbgrader opens in this process is on :func:`shared_engine`
    (nbgrader's steps run by :class:`~deepgrad.adapters.nbgrader_api.Nbgrader`; plain nbgrader
    elsewhere in the process is left as it is)."""
    before, nbgrader.api.create_engine = nbgrader.api.create_engine, shared_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = before


def nbgrader_revision() -> str:
    """The alembic revision of the gradebook schema this nbgrader makes: the head of its own
    migration scripts, read in this process with alembic's API (imported here: a quarter of a
    second of CPU that only a new gradebook needs)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


def create_if_absent(db_url: str) -> None:
    """Make the gradebook at ``db_url`` as nbgrader's ``Gradebook`` makes it on first use (its
    tables, and the ``alembic_version`` row naming their revision), where it has no tables yet.

    nbgrader asks alembic's command line for that revision: a subprocess that imports all of
    nbgrader and the Jupyter server, about 4.5 s of CPU for every new gradebook (every demo, every
    course copy). Here the same revision is read in this process; the database is the same, and
    nbgrader's ``Gradebook`` then finds it made. Anything unreachable is left for nbgrader's own
    first use to report, as before."""
    try:
        engine = create_engine(db_url, future=True)
    except (SQLAlchemyError, ImportError, ValueError):  # a malformed URL, a missing driver
        return
    try:
        if inspect(engine).get_table_names():
            return
        revision = nbgrader_revision()
        with engine.begin() as connection:  # one transaction where the database has them for tables
            Base.metadata.create_all(bind=connection)
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:revision)"),
                               {"revision": revision})
    except SQLAlchemyError:
        return
    finally:
        engine.dispose()


def record(db_url: str, verdict) -> None:
    """Replace nbgrader's in-kernel scores with the verdict's, task by task."""
    with Gradebook(db_url) as gradebook:
        for task in verdict.tasks:
            try:
                grade = gradebook.find_grade(task.grade_id, verdict.assignment, verdict.assignment,
                                             verdict.student)
            except MissingEntry:
                raise CourseError(f"the gradebook has no grade {task.grade_id} for {verdict.student}; "
                                  f"run `nbgrader generate_assignment {verdict.assignment}` first") from None
            grade.auto_score = task.score
            grade.needs_manual_grade = False
        gradebook.db.commit()


def set_aside(db_url: str, verdict) -> None:
    """nbgrader's in-kernel scores of a submission whose grading broke must not stand: each of its
    gradebook entries gets an automatic score of 0 and is flagged for a manual grade (the report
    says why). Nothing to do where nbgrader recorded nothing."""
    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(verdict.assignment, verdict.student)
        except MissingEntry:
            return
        for graded in submission.notebooks:
            for grade in graded.grades:
                if grade.auto_score is not None:
                    grade.auto_score = 0.0
                grade.needs_manual_grade = True
        gradebook.db.commit()
