"""deepgrad's autograder: the checks behind the notebooks' test cells and ``pytest autograder``."""
from . import course_fonts
from .api import check, grading_rng

course_fonts.install()  # Chinese figures need a Chinese font (autograder.course_fonts)

__all__ = ["check", "grading_rng"]
