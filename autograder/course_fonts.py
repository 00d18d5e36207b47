"""The course's Chinese font, made known to matplotlib in every process that imports the autograder.

matplotlib's own fonts (DejaVu) have no Chinese characters: a 繁體中文 figure would show empty
boxes and warn "Glyph ... missing from font(s) DejaVu Sans". The course ships a subset of Noto
Sans CJK TC (``autograder/fonts/``, SIL Open Font License; tools/make_cjk_font.py makes it) and
puts it after matplotlib's own font family, so Latin text looks as before and each Chinese
character falls back to it (matplotlib 3.6 and later fall back glyph by glyph).

Every notebook's setup cell imports the autograder, so every notebook gets the font, in a
student's Jupyter, in the self-check's sandbox and in the grading kernel alike. It is registered
when matplotlib's font manager is first imported, not before: importing the autograder does not
import matplotlib, and a grading process that draws nothing never reads the font.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from pathlib import Path

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKtc-Regular-subset.otf"
FONT_MANAGER = "matplotlib.font_manager"


def register(font_manager) -> None:
    """Add the font to ``font_manager`` (the imported module) and to the font families' fallbacks."""
    if not FONT.is_file():
        return
    font_manager.fontManager.addfont(str(FONT))
    # its family's name, as the font itself gives it (Noto Sans CJK TC)
    family = next(f.name for f in font_manager.fontManager.ttflist if f.fname == str(FONT))
    matplotlib = sys.modules["matplotlib"]  # loaded already: the font manager is part of it
    # A family named after the generic one (matplotlib falls back glyph by glyph from one named
    # family to the next, but a generic family stands for its first font only).
    families = list(matplotlib.rcParams["font.family"])
    if family not in families:
        matplotlib.rcParams["font.family"] = [*families, family]


class _AfterFontManager(importlib.abc.MetaPathFinder):
    """Runs :func:`register` right after matplotlib's font manager is loaded, however it is."""

    def find_spec(self, name, path=None, target=None):
        if name != FONT_MANAGER:
            return None
        sys.meta_path.remove(self)  # once; the other finders find the module
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            register(module)

        loader.exec_module = exec_module
        return spec


def install() -> None:
    """Register the font now if matplotlib's font manager is loaded, else when it is (once)."""
    loaded = sys.modules.get(FONT_MANAGER)
    if loaded is not None and hasattr(loaded, "fontManager"):
        register(loaded)
    elif not any(isinstance(f, _AfterFontManager) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterFontManager())
