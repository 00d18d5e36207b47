"""One module of checks per assignment (``a01.py``, ``a02.py``, ...), or a package of them by topic
for a large one (``a05/``, ``a06/``); importing this package registers them all, in assignment order."""
from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name[:1] == "a"
                      and m.name[1:3].isdigit()):
    importlib.import_module(f"{__name__}.{_module}")
