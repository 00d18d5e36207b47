"""``deepgrad similar``'s pure part: which pairs of submissions resemble each other beyond what the
class has in common, and the evidence, from their code (:mod:`.similar_code`) and from what their
grading found (:mod:`.similar_behaviour`). Nothing here reads a file or runs student code.

**Code.** A fingerprint shared by n of the N submissions weighs ln(N / n): one every submission
has weighs nothing, one only two share weighs most. A function's *distinctive code* is the sum of
its fingerprints' weights. Each function of one submission is matched with the function of the
other that has most of it, and its *share* is the part of its distinctive code that one has too.
``code`` of the pair is the mean of the squared shares of one submission's functions, weighed by
their distinctive code (over at least half the class's median, so that a submission of three
lines cannot reach 1 with them), from whichever side gives more: 1 when one holds every function
of the other whole. Squared, because two students writing the same exercise independently share
*parts* of many functions (a function half shared counts a quarter), while a copy shares functions
whole.

**Behaviour.** For each task where both fail some checks the same way (:class:`~.similar_behaviour.Failure`),
with n the submissions that fail all of those the same way and N those whose task was judged, the
task weighs ``TASK_WEIGHT × (1 − (n − 1)/(N − 1)) / (n (n − 1)/2)``: the most when the two alone
fail that way in a large class, a third of that when one more submission does, next to nothing
for a mistake many make. ``behaviour`` combines the tasks as independent pieces of evidence:
1 − Π(1 − weight).

**Score** = 100 × (1 − (1 − code) × (1 − behaviour)), from 0 to 100. A pair scoring at least
:data:`LOOK` is worth a look; the score says how much two submissions resemble each other beyond
what the class has in common, never that anyone copied.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from .similar_behaviour import Behaviour, Failure
from .similar_code import Unit

LOOK = 50.0         # a pair scoring this or more is worth a look
# Every pair's code is first bounded by its fingerprints in common (a matrix product over the
# class); a pair whose bound is under this share of LOOK cannot reach it, and is not matched
# function by function.
BOUND_MARGIN = 0.75
TASK_WEIGHT = 0.75  # the most one task's shared failures can weigh
# A failure more submissions than this share weighs under TASK_WEIGHT / 190 (0.004) in any pair: it
# is left out of the pairs' failures in common, which would otherwise grow as its square.
COMMON_FAILURE = 20
_CHUNK = 4096       # fingerprints per block of the matrix product


@dataclass
class Submission:
    who: str                                    # a student id, or a public solution's file
    units: list[Unit]
    behaviour: Behaviour = field(default_factory=Behaviour)
    notes: list[str] = field(default_factory=list)

    def hashes(self) -> set[int]:
        return {h for unit in self.units for h in unit.fingerprints}


@dataclass
class UnitMatch:
    a: Unit
    b: Unit
    share: float              # the part of a's distinctive code that b has too
    hashes: frozenset[int]    # the shared fingerprints that weigh something


@dataclass
class SharedTask:
    task: str
    failures: list[Failure]
    messages: list[tuple[str, str]]   # (a's message, b's message) of each failure
    students: int                     # the submissions failing all of them the same way (n)
    judged: int                       # the submissions whose task was judged (N)
    weight: float


@dataclass
class Pair:
    a: Submission
    b: Submission
    score: float
    code: float
    behaviour: float
    units: list[UnitMatch] = field(default_factory=list)
    tasks: list[SharedTask] = field(default_factory=list)


@dataclass
class Comparison:
    submissions: int              # N
    pairs: list[Pair]             # the pairs worth a look, strongest first
    public: list[Pair]            # submissions and public solutions worth a look, strongest first
    compared: int                 # the pairs compared
    next_score: float             # what every pair not listed scores at most (its bound where it was not matched)
    weights: dict[int, float] = field(default_factory=dict, repr=False)


def _weights(sets: list[set[int]]) -> tuple[dict[int, float], Counter]:
    """Each fingerprint's weight ln(N / n), and n, the submissions that have it."""
    counts = Counter(h for hashes in sets for h in hashes)
    return {h: math.log(len(sets) / df) for h, df in counts.items()}, counts


def _shared_weights(sets: list[set[int]], weights: dict[int, float], counts: Counter) -> np.ndarray:
    """S[i, j]: the weight of the fingerprints submissions i and j both have: a matrix product over
    the fingerprints that two or more have, and not all, a block of them at a time."""
    n = len(sets)
    index = {h: k for k, h in enumerate(sorted(h for h, df in counts.items() if 2 <= df < n))}
    root = np.sqrt(np.array([weights[h] for h in sorted(index, key=index.get)]))
    rows = [np.array(sorted(index[h] for h in hashes if h in index), dtype=np.int64) for hashes in sets]
    result = np.zeros((n, n))
    for first in range(0, len(index), _CHUNK):
        block = np.zeros((n, min(_CHUNK, len(index) - first)))
        for row, cols in enumerate(rows):
            cols = cols[(cols >= first) & (cols < first + _CHUNK)]
            block[row, cols - first] = root[cols]
        result += block @ block.T
    return result


def _task_weight(students: int, judged: int) -> float:
    if judged <= 2 or students < 2:
        return 0.0
    return TASK_WEIGHT * (1 - (students - 1) / (judged - 1)) / (students * (students - 1) / 2)


def _shared_tasks(students: list[Submission]) -> dict[tuple[int, int], list[SharedTask]]:
    """The tasks each pair fails the same way, for every pair that shares a failure."""
    who: dict[tuple[str, Failure], set[int]] = defaultdict(set)
    judged: Counter[str] = Counter()
    for i, s in enumerate(students):
        judged.update(s.behaviour.judged)
        for task, failures in s.behaviour.failures.items():
            for failure in failures:
                who[(task, failure)].add(i)
    common: dict[tuple[int, int], dict[str, list[Failure]]] = defaultdict(lambda: defaultdict(list))
    for (task, failure), members in who.items():
        if len(members) > COMMON_FAILURE:
            continue
        ordered = sorted(members)
        for x, i in enumerate(ordered):
            for j in ordered[x + 1:]:
                common[(i, j)][task].append(failure)
    found: dict[tuple[int, int], list[SharedTask]] = {}
    counted: dict[tuple[str, frozenset], int] = {}
    for (i, j), tasks in common.items():
        shared = []
        for task, failures in sorted(tasks.items()):
            key = (task, frozenset(failures))
            if key not in counted:
                counted[key] = len(set.intersection(*(who[(task, f)] for f in failures)))
            a, b = students[i].behaviour.failures[task], students[j].behaviour.failures[task]
            shared.append(SharedTask(task, failures, [(a[f], b[f]) for f in failures], counted[key],
                                     judged[task], _task_weight(counted[key], judged[task])))
        found[(i, j)] = shared
    return found


def _mass(unit: Unit, weights: dict[int, float]) -> float:
    return sum(weights.get(h, 0.0) for h in unit.fingerprints)


def unit_matches(a: Submission, b: Submission, weights: dict[int, float]) -> list[UnitMatch]:
    """Each unit of ``a`` that has fingerprints in common with ``b``, with the unit of ``b`` that
    has most of it, the most shared first."""
    where: dict[int, list[int]] = defaultdict(list)
    for k, v in enumerate(b.units):
        for h in v.fingerprints:
            where[h].append(k)
    matches = []
    for u in a.units:
        found: Counter[int] = Counter()
        for h in u.fingerprints:
            if weights.get(h, 0.0) > 0:
                for k in where.get(h, ()):
                    found[k] += weights[h]
        if found:
            k, shared = found.most_common(1)[0]
            v = b.units[k]
            hashes = frozenset(h for h in u.fingerprints.keys() & v.fingerprints.keys() if weights.get(h, 0.0) > 0)
            matches.append(UnitMatch(u, v, min(1.0, shared / (_mass(u, weights) or 1.0)), hashes))
    matches.sort(key=lambda m: -m.share * _mass(m.a, weights))
    return matches


def _directed(a: Submission, b: Submission, weights: dict[int, float], floor: float) -> tuple[float, list[UnitMatch]]:
    """The code ``a`` shares with ``b``: its functions' squared shares, weighed by their distinctive code."""
    matches = unit_matches(a, b, weights)
    total = sum(_mass(u, weights) for u in a.units)
    held = sum(_mass(m.a, weights) * m.share ** 2 for m in matches)
    return min(1.0, held / max(total, floor)), matches


def _combined(code: float, behaviour: float) -> float:
    return 100 * (1 - (1 - code) * (1 - behaviour))


def compare(students: list[Submission], public: list[Submission] = (), look: float = LOOK,
            tick=lambda: None) -> Comparison:
    """Every pair of ``students``, and each student with each of ``public``; ``tick`` is called
    once per student and per public solution compared (a progress bar's)."""
    sets = [s.hashes() for s in students]
    weights, counts = _weights(sets)
    own = np.array([sum(weights[h] for h in hashes) for hashes in sets])
    masses = [sum(_mass(u, weights) for u in s.units) for s in students]
    floor = 0.5 * statistics.median([m for m in masses if m > 0] or [2.0])
    shared = _shared_weights(sets, weights, counts)
    tasks = _shared_tasks(students)
    pairs, below = [], 0.0
    for i in range(len(students)):
        tick()
        for j in range(i + 1, len(students)):
            bound = min(1.0, shared[i, j] / max(min(own[i], own[j]), floor))
            found = tasks.get((i, j), [])
            behaviour = 1 - math.prod(1 - t.weight for t in found)
            if _combined(bound, behaviour) < BOUND_MARGIN * look:
                below = max(below, _combined(bound, behaviour))
                continue
            (code, units), (back, units_back) = (_directed(students[i], students[j], weights, floor),
                                                 _directed(students[j], students[i], weights, floor))
            pair = Pair(students[i], students[j], 0.0, max(code, back), behaviour,
                        units if code >= back else _flipped(units_back), found)
            pair.score = _combined(pair.code, behaviour)
            if pair.score >= look:
                pairs.append(pair)
            else:
                below = max(below, pair.score)
    matched = []
    for solution in public:
        tick()
        theirs = solution.hashes()
        for i, hashes in enumerate(sets):
            bound = min(1.0, sum(weights[h] for h in hashes & theirs) / max(own[i], floor))
            if _combined(bound, 0.0) >= BOUND_MARGIN * look:
                code, units = _directed(students[i], solution, weights, floor)
                if _combined(code, 0.0) >= look:
                    matched.append(Pair(students[i], solution, _combined(code, 0.0), code, 0.0, units))
    order = (lambda p: (-p.score, p.a.who, p.b.who))
    n = len(students)
    return Comparison(n, sorted(pairs, key=order), sorted(matched, key=order), n * (n - 1) // 2, below, weights)


def _flipped(matches: list[UnitMatch]) -> list[UnitMatch]:
    """Matches of b's functions in a, shown with a's side first."""
    return [UnitMatch(m.b, m.a, m.share, m.hashes) for m in matches]
