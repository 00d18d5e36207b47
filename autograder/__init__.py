"""deepgrad's autograder: the checks behind the notebooks' test cells and ``pytest autograder``."""
from .api import check, grading_rng

__all__ = ["check", "grading_rng"]
