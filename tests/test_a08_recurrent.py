"""Assignment 8 beyond its checks: the toolkit's Batch and gradient clipping inside ``fit``, the
shipped surnames, and the claims the notebook makes about its reference answers. (The hidden tests'
expected values come from the reference on inputs drawn per student; tests/test_hidden_expected.py
holds them to the 40-digit recomputations of recompute_a08.py.)

The toolkit is tested with layer functions written here (no answer of the assignment), so a
failure points at dlkit, not at a notebook.
"""
from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from conftest import ROOT, network_gradient_errors
from dlkit.nn import Layer, Network, Output
from dlkit.sequences import Batch, load_surnames

SURNAMES = ROOT / "source_data" / "a08_surnames.csv"


def mean_forward(batch, W):
    """A sequence layer for the test: the masked mean of the inputs over the steps, times W."""
    weights = batch.mask / batch.mask.sum(axis=1, keepdims=True)
    pooled = np.einsum("nt,ntd->nd", weights, batch.xs)
    return pooled @ W, (pooled, W, weights, batch.xs.shape)


def mean_backward(dout, cache):
    pooled, W, weights, shape = cache
    dpooled = dout @ W.T
    return np.einsum("nt,nd->ntd", weights, dpooled), pooled.T @ dout


def squared_forward(scores, y):
    diff = scores - y
    return float(np.mean(np.sum(diff ** 2, axis=1))), diff


def squared_backward(diff):
    return 2 * diff / diff.shape[0]


def sequences(n=12, steps=4, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    mask = (np.arange(steps) < rng.integers(1, steps + 1, size=n)[:, None]).astype(float)
    return Batch(xs=rng.normal(size=(n, steps, dim)), mask=mask), rng.normal(size=(n, 2))


def pooling_network(seed=1):
    W = np.random.default_rng(seed).normal(size=(3, 2))
    return Network([Layer(mean_forward, mean_backward, {"W": W})],
                   Output(squared_forward, squared_backward, predict=lambda s: s, classify=False))


# ---------------------------------------------------------------- dlkit.sequences.Batch
def test_a_batch_slices_every_array_together():
    batch, _ = sequences()
    part = batch[np.array([3, 0, 5])]
    assert len(batch) == 12 and len(part) == 3
    assert np.array_equal(part.xs, batch.xs[[3, 0, 5]]) and np.array_equal(part.mask, batch.mask[[3, 0, 5]])
    assert len(batch[2:7]) == 5


@pytest.mark.parametrize("arrays, words", [({}, "at least one array"),
                                           ({"xs": np.zeros((3, 2)), "mask": np.zeros((4, 2))}, "same number")])
def test_a_malformed_batch_is_refused(arrays, words):
    with pytest.raises(ValueError, match=words):
        Batch(**arrays)


def test_a_missing_array_is_named():
    batch, _ = sequences()
    with pytest.raises(AttributeError, match="'lengths'.*'xs', 'mask'"):
        batch.lengths


def test_a_network_on_batches_matches_the_numeric_gradient():
    """Does backprop through a layer that reads a Batch agree with centred differences?"""
    batch, y = sequences()
    errors = network_gradient_errors(pooling_network(), batch, y)
    assert max(errors.values()) < 1e-7, errors


# ---------------------------------------------------------------- fit's clip
def test_fit_hands_every_gradient_to_clip_and_records_the_norms():
    """Does `fit` give `clip` the list of all gradients, apply what comes back, and record the norm?"""
    batch, y = sequences()
    seen = []

    def halve(grads):
        seen.append([g.copy() for g in grads])
        return [g / 2 for g in grads], float(np.sqrt(sum(np.sum(g * g) for g in grads)))

    clipped, plain = pooling_network(), pooling_network()
    start = clipped.layers[0].params["W"].copy()
    history = clipped.fit(batch, y, epochs=1, update=lambda w, dw, s: (w - s["lr"] * dw, s), hyper={"lr": 0.1},
                          clip=halve, show_progress=False)
    _, grads = plain.loss_and_grads(batch, y)
    assert len(seen) == 1 and len(seen[0]) == 1 and np.allclose(seen[0][0], grads[(0, "W")])
    assert np.allclose(clipped.layers[0].params["W"], start - 0.1 * grads[(0, "W")] / 2)
    assert history.grad_norm == [pytest.approx(float(np.linalg.norm(grads[(0, "W")])))]


def test_fit_without_clip_records_no_norm():
    batch, y = sequences()
    history = pooling_network().fit(batch, y, epochs=2, update=lambda w, dw, s: (w - 0.1 * dw, s), hyper={},
                                    show_progress=False)
    assert history.grad_norm == [] and len(history.loss) == 2


# ---------------------------------------------------------------- the shipped surnames
def test_the_surnames_are_as_the_issue_and_the_script_say():
    """At least eight languages, a few hundred names each (Faker's Japanese list is the one short
    one), only the letters a-z, 2 to 12 of them, no name in two languages, no duplicate."""
    names, languages = load_surnames()
    counts = {lang: languages.count(lang) for lang in set(languages)}
    assert len(counts) >= 8
    assert sorted(c for lang, c in counts.items() if lang != "Japanese")[0] >= 190
    assert all(re.fullmatch(r"[A-Z][a-z]{1,11}", name) for name in names)
    assert len(set(names)) == len(names)
    with SURNAMES.open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["surname", "language"]


def test_the_surnames_regenerate_exactly_from_the_pinned_packages(tmp_path):
    """Does the seeded script, from Faker's and Unidecode's pinned versions, make the shipped CSV
    byte for byte? (test_readme runs the whole script; this names the file that drifted.)"""
    pytest.importorskip("faker")
    pytest.importorskip("unidecode")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", ROOT / "source_data" / "make_data.py")
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    made = make_data.write_all(tmp_path)
    assert (tmp_path / "a08_surnames.csv") in made
    assert (tmp_path / "a08_surnames.csv").read_bytes() == SURNAMES.read_bytes()


# ---------------------------------------------------------------- the notebook's claims about the reference
def test_at_the_origin_the_jacobian_through_t_steps_has_norm_rho_to_the_t(reference):
    """Section 4's solid lines: with zero inputs and h0 = 0, d h_T / d h_0 = (rho Q)^T exactly, for the
    reference's rnn_forward and rnn_backward."""
    ns = reference("a08")
    hidden, steps = 5, 7
    q, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(hidden, hidden)))
    for rho in (0.5, 1.0, 1.5):
        hs, cache = ns["rnn_forward"](np.zeros((hidden, steps, 2)), np.zeros((hidden, hidden)), np.ones((2, hidden)),
                                      rho * q, np.zeros(hidden))
        dhs = np.zeros_like(hs)
        dhs[np.arange(hidden), steps - 1, np.arange(hidden)] = 1.0
        dh0 = ns["rnn_backward"](dhs, cache)[1]
        assert np.allclose(dh0, np.linalg.matrix_power(rho * q, steps).T, atol=1e-12)


def test_the_reference_recurrent_layer_trains_under_fit(reference):
    """The notebook's recurrent classifier layer, built on the reference, matches numeric gradients
    through padding (the whole chain the experiments train with)."""
    ns = reference("a08")
    rng = np.random.default_rng(5)

    def last_state_forward(batch, Wx, Wh, b):
        hs, cache = ns["rnn_forward"](batch.xs, np.zeros((len(batch), Wh.shape[0])), Wx, Wh, b, batch.mask)
        return hs[:, -1], (cache, hs.shape)

    def last_state_backward(dh, cache):
        cache, shape = cache
        dhs = np.zeros(shape)
        dhs[:, -1] = dh
        dxs, _, dWx, dWh, db = ns["rnn_backward"](dhs, cache)
        return dxs, dWx, dWh, db

    batch, y = sequences(n=6, steps=5, dim=3, seed=4)
    net = Network([Layer(last_state_forward, last_state_backward,
                         {"Wx": rng.normal(0, 0.5, (3, 4)), "Wh": rng.normal(0, 0.5, (4, 4)), "b": rng.normal(0, 0.1, 4)})],
                  Output(squared_forward, squared_backward, predict=lambda s: s, classify=False))
    errors = network_gradient_errors(net, batch, y[:, :1] * np.ones((1, 4)))
    assert max(errors.values()) < 1e-6, errors


# ---------------------------------------------------------------- every check catches a planted bug
def test_every_check_fails_on_some_planted_bug(reference):
    """Not only every task: each of assignment 8's checks fails on at least one of tests/bugs_a08.py's
    bugs, so no check is along for the ride."""
    from autograder.calls import LocalCaller
    from autograder.registry import attempt, checks_for
    from bugs_a08 import BUGS
    from test_planted_bugs import planted

    caught = set()
    for task_id, source, _ in BUGS:
        caller = LocalCaller(planted(reference, task_id, source))
        caught |= {c.id for c in checks_for(task_id) if attempt(c, caller) is not None}
    assert caught == {c.id for c in checks_for("a08")}


def test_the_confusion_matrix_counts_true_rows_against_predicted_columns():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlkit.plots import confusion_matrix

    ax = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], ["a", "b", "c"])
    shown = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert shown == {(0, 0): "1", (0, 1): "1", (1, 1): "1", (2, 2): "2", (2, 0): "1"}
    assert np.allclose(ax.images[0].get_array(), [[0.5, 0.5, 0], [0, 1, 0], [1 / 3, 0, 2 / 3]])
    plt.close("all")
