"""One module of checks per assignment; importing this package registers them all."""
from . import a01, a02  # noqa: F401
