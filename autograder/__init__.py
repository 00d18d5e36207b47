"""deepgrad's autograder: the checks behind the notebooks' test cells and ``pytest autograder``."""
from .api import check

__all__ = ["check"]
