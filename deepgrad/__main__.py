"""``python -m deepgrad``: the same as the ``deepgrad`` command."""
import sys

from .commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
