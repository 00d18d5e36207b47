"""Make autograder/fonts/NotoSansCJKtc-Regular-subset.otf, the font the 繁體中文 figures use.

matplotlib's own fonts have no Chinese: a figure labelled in Chinese would show empty boxes. The
course ships a subset of Noto Sans CJK TC (SIL Open Font License, autograder/fonts/OFL.txt) small
enough for the repository: Big5's 5,401 common characters, CJK and full-width punctuation, and
every character of the catalogues in translations/. Run it after a translation adds a character
(tests/test_cjk_font.py fails until then), on a machine with the full font, e.g. Debian's
fonts-noto-cjk package:

    python tools/make_cjk_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "autograder" / "fonts" / "NotoSansCJKtc-Regular-subset.otf"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK TC"


def big5_common() -> set[str]:
    """Big5's level-1 characters (0xA440 to 0xC67E): the common ones of Traditional Chinese."""
    found = set()
    for lead in range(0xA4, 0xC7):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            try:
                found.add(bytes([lead, trail]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return found


def wanted() -> set[str]:
    chars = big5_common()
    chars |= {chr(c) for c in [*range(0x3000, 0x3040), *range(0xFF00, 0xFFF0), *range(0x2010, 0x2070)]}
    for po in (ROOT / "translations").rglob("*.po"):
        chars |= set(po.read_text(encoding="utf-8"))
    return {c for c in chars if ord(c) > 0x7F}


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    font = next((f for f in TTCollection(str(source)).fonts if f["name"].getDebugName(1) == FAMILY), None) \
        if source.suffix == ".ttc" else TTFont(str(source))
    if font is None:
        print(f"{source} has no {FAMILY}", file=sys.stderr)
        return 1
    options = subset.Options()
    options.name_IDs = ["*"]  # the copyright, licence and family names stay
    options.layout_features = ["*"]
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in wanted()})
    subsetter.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB, {len(font.getBestCmap())} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
