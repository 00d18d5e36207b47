"""The verdict's scores in nbgrader's gradebook, whatever database the course's ``db_url`` names."""
from __future__ import annotations

from .course import CourseError


def record(db_url: str, verdict) -> None:
    """Replace nbgrader's in-kernel scores with the verdict's, task by task."""
    from nbgrader.api import Gradebook, MissingEntry

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
    from nbgrader.api import Gradebook, MissingEntry

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
