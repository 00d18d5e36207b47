"""Regenerate the course's data sets, exactly: ``python source_data/make_data.py``.

a02_network.csv -- lesson 1, exercise 1: 500 points x1, x2 ~ N(0, 1) labelled by the 2-2-1 network
with the lesson's weights, y ~ Bernoulli(o). numpy's Generator with a fixed seed makes it
reproducible on any machine.

a08_surnames.csv -- the club slides, part 5: a surname's language of origin from its letters.
Common surnames of eleven languages, taken from the person providers of Faker (MIT licence,
https://github.com/joke2k/faker, ``faker/providers/person/<locale>/__init__.py``), the lists
named in SURNAME_SOURCES below; names in another script (Arabic, Chinese, Greek, Russian) are
written in Latin letters by Unidecode (GPL-2.0+, https://pypi.org/project/Unidecode/), as any
transliteration would. Each name is lower-cased to the 26 letters a-z (accents dropped, an
apostrophe or a hyphen removed); names of more than one word, of fewer than 2 or more than 12
letters, and names that two languages share are left out; at most 250 per language are drawn with
the seeded Generator. Making it needs ``pip install faker==40.63.0 unidecode==1.4.0`` (the
course's test extra pins them, so that this file regenerates byte for byte); using it needs
neither: the CSV ships with the course, and nothing downloads at run time.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20251123
LESSON_WEIGHTS = (-4.0, -4.0, -3.0, 7.0, -6.0, -1.0, 4.0, 6.0, -7.0)  # w10 w11 w12 w20 w21 w22 w30 w31 w32


def _logistic(v):
    return 1.0 / (1.0 + np.exp(-v))


def network_data(n: int = 500, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    w10, w11, w12, w20, w21, w22, w30, w31, w32 = LESSON_WEIGHTS
    hidden1 = _logistic(w10 + w11 * x1 + w12 * x2)
    hidden2 = _logistic(w20 + w21 * x1 + w22 * x2)
    prob = _logistic(w30 + w31 * hidden1 + w32 * hidden2)
    y = (rng.random(n) < prob).astype(float)
    return np.column_stack([x1, x2, y])


# language -> (Faker locale, the Provider's lists of surnames used). Russian and Polish take the
# male forms only, so that no name and its feminine form (Ivanov, Ivanova) land on both sides of a
# train/test split; Japanese takes the romanised list (Faker has 50: the smallest class).
SURNAME_SOURCES = {
    "Arabic": ("ar_AA", ("last_names",)),
    "Chinese": ("zh_CN", ("last_names",)),
    "English": ("en_GB", ("last_names",)),
    "French": ("fr_FR", ("last_names",)),
    "German": ("de_DE", ("last_names",)),
    "Greek": ("el_GR", ("last_names_male",)),
    "Italian": ("it_IT", ("last_names",)),
    "Japanese": ("ja_JP", ("last_romanized_names",)),
    "Polish": ("pl_PL", ("male_last_names",)),
    "Russian": ("ru_RU", ("last_names_male",)),
    "Spanish": ("es_ES", ("last_names",)),
}
MAX_PER_LANGUAGE = 250
MAX_LETTERS = 12


def _surnames_of(locale: str, lists: tuple[str, ...]) -> set[str]:
    """The locale's surnames in the letters a-z, lower case: one-word names of 2 to 12 letters."""
    import importlib

    try:
        from unidecode import unidecode
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ImportError as missing:
        raise SystemExit(f"{missing}: making a08_surnames.csv needs `pip install faker==40.63.0 unidecode==1.4.0` "
                         "(the course's test extra); the CSV itself ships with the course") from None
    found = set()
    for attribute in lists:
        names = getattr(provider, attribute)
        for name in (names.keys() if isinstance(names, dict) else names):
            latin = unidecode(name).strip()
            if locale.startswith("zh"):
                latin = latin.replace(" ", "")   # a two-character surname: Ou Yang -> Ouyang
            if " " in latin:
                continue
            letters = "".join(ch for ch in latin.lower() if "a" <= ch <= "z")
            if 2 <= len(letters) <= MAX_LETTERS:
                found.add(letters)
    return found


def surnames(seed: int = SEED) -> list[tuple[str, str]]:
    """(surname, language) pairs, sorted by language, then surname."""
    per_language = {language: _surnames_of(*source) for language, source in SURNAME_SOURCES.items()}
    counts: dict[str, int] = {}
    for names in per_language.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    rng = np.random.default_rng(seed)
    rows = []
    for language, names in per_language.items():
        unique = sorted(name for name in names if counts[name] == 1)
        if len(unique) > MAX_PER_LANGUAGE:
            unique = sorted(rng.choice(unique, size=MAX_PER_LANGUAGE, replace=False).tolist())
        rows += [(name.capitalize(), language) for name in unique]
    return rows


def write_all(folder: Path = HERE) -> list[Path]:
    path = folder / "a02_network.csv"
    np.savetxt(path, network_data(), delimiter=",", header="x1,x2,y", comments="", fmt="%.17g")
    names = folder / "a08_surnames.csv"
    names.write_text("surname,language\n" + "".join(f"{s},{lang}\n" for s, lang in surnames()), encoding="utf-8")
    return [path, names]


if __name__ == "__main__":
    for written in write_all():
        print(f"wrote {written}")
