"""Do the offline data loaders of ``dlkit.real_data`` give what assignment 6 relies on, and does the
IDX reader read real IDX files and reject broken ones with a clear message?

The IDX files are written here byte by byte (header, then big-endian values), independently of
the reader under test.
"""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from dlkit.real_data import load_diabetes_split, load_digits_split, load_idx, load_mnist


def idx_bytes(values: np.ndarray, code: int, fmt: str) -> bytes:
    """An IDX file: magic 00 00 <code> <ndim>, one big-endian uint32 per dimension, the values."""
    header = bytes([0, 0, code, values.ndim]) + b"".join(struct.pack(">I", d) for d in values.shape)
    return header + b"".join(struct.pack(">" + fmt, v) for v in values.ravel().tolist())


def test_digits_split_is_scaled_stratified_and_seeded():
    """Are the digits float64 in [0, 1], labels int 0-9, every class in both parts, same seed same split?"""
    X_train, X_test, y_train, y_test = load_digits_split(test_size=0.25, seed=0)
    assert X_train.dtype == X_test.dtype == np.float64 and X_train.shape[1] == 64
    assert y_train.dtype.kind == "i" and len(X_train) == len(y_train) and len(X_test) == len(y_test)
    assert len(y_train) + len(y_test) == 1797 and abs(len(y_test) - 0.25 * 1797) < 10
    assert X_train.min() == 0.0 and X_train.max() == 1.0 and X_test.max() <= 1.0
    counts_train, counts_test = np.bincount(y_train, minlength=10), np.bincount(y_test, minlength=10)
    assert np.all(np.abs(counts_test / (counts_train + counts_test) - 0.25) < 0.02)
    again = load_digits_split(test_size=0.25, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip((X_train, X_test, y_train, y_test), again))
    other = load_digits_split(test_size=0.25, seed=1)
    assert not np.array_equal(y_test, other[3])


def test_digits_parts_are_disjoint_and_cover_the_data():
    """Is every image in exactly one of the two parts?"""
    from sklearn.datasets import load_digits

    X_train, X_test, _, _ = load_digits_split(test_size=0.3, seed=5)
    rows = {tuple(r) for r in np.vstack([X_train, X_test]) * 16}
    assert len(X_train) + len(X_test) == 1797
    assert rows == {tuple(r) for r in load_digits().data.astype(float)}


def test_diabetes_split_is_standardised_with_training_statistics():
    """Do training columns have mean 0 and sd 1, with the test part scaled by the same numbers?"""
    X_train, X_test, y_train, y_test = load_diabetes_split(test_size=0.25, seed=0)
    assert X_train.shape[1] == 10 and len(X_train) + len(X_test) == 442
    assert np.allclose(X_train.mean(axis=0), 0.0, atol=1e-12) and np.allclose(X_train.std(axis=0), 1.0)
    assert np.allclose(y_train.mean(), 0.0, atol=1e-12) and np.isclose(y_train.std(), 1.0)
    assert not np.allclose(X_test.mean(axis=0), 0.0, atol=1e-3)  # test data were not re-centred
    _, _, raw_train, raw_test = load_diabetes_split(test_size=0.25, seed=0, standardise_target=False)
    assert raw_train.min() >= 25 and raw_train.max() <= 346           # the original score range
    assert np.allclose((raw_test - raw_train.mean()) / raw_train.std(), y_test)


@pytest.mark.parametrize("code, fmt, dtype", [(0x08, "B", np.uint8), (0x09, "b", np.int8), (0x0B, "h", np.int16),
                                              (0x0C, "i", np.int32), (0x0D, "f", np.float32),
                                              (0x0E, "d", np.float64)])
def test_idx_round_trip_every_type(tmp_path, code, fmt, dtype):
    """Does load_idx read each IDX element type, in shape and value, in native byte order?"""
    rng = np.random.default_rng(code)
    values = (rng.integers(0, 100, size=(3, 4, 5)) - (0 if fmt == "B" else 50)).astype(dtype)
    path = tmp_path / "data.idx"
    path.write_bytes(idx_bytes(values, code, fmt))
    got = load_idx(path)
    assert got.shape == (3, 4, 5) and got.dtype == np.dtype(dtype) and got.dtype.isnative
    assert np.array_equal(got, values)


def test_idx_reads_gzip_by_content(tmp_path):
    """Is a gzip-compressed IDX file read the same as the plain one, whatever its name?"""
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    plain = idx_bytes(labels, 0x08, "B")
    (tmp_path / "labels.gz").write_bytes(gzip.compress(plain))
    (tmp_path / "labels-no-suffix").write_bytes(gzip.compress(plain))
    assert np.array_equal(load_idx(tmp_path / "labels.gz"), labels)
    assert np.array_equal(load_idx(str(tmp_path / "labels-no-suffix")), labels)


def test_idx_errors_are_clear(tmp_path):
    """Are a missing file, a wrong magic number and truncated or padded files reported as such?"""
    good = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08, "B")
    with pytest.raises(FileNotFoundError, match="no IDX file"):
        load_idx(tmp_path / "missing.idx")
    cases = {"magic.idx": (b"\x12\x34" + good[2:], "not an IDX file.*magic number is 0x12340803"),
             "type.idx": (good[:2] + b"\x07" + good[3:], "not an IDX file"),
             "short.idx": (good[:3], "truncated"),
             "header.idx": (good[:9], "truncated: its header announces 3 dimensions"),
             "data.idx": (good[:-5], r"truncated: shape \(2, 3, 4\) of uint8 needs 24 bytes of data, the file has 19"),
             "extra.idx": (good + b"\x00", "1 bytes after the data"),
             "gz.idx": (gzip.compress(good)[:-10], "cannot be decompressed")}
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=message):
            load_idx(tmp_path / name)


def test_load_mnist_from_a_folder_of_small_idx_files(tmp_path):
    """Does load_mnist find the four files (gzipped or not), flatten and scale the images?"""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, size=7).astype(np.uint8)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 0x08, "B")))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels, 0x08, "B"))
    (tmp_path / "t10k-images.idx3-ubyte").write_bytes(idx_bytes(images[:3], 0x08, "B"))
    (tmp_path / "t10k-labels.idx1-ubyte").write_bytes(idx_bytes(labels[:2], 0x08, "B"))
    X, y = load_mnist(tmp_path, "train")
    assert X.shape == (7, 784) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(X, images.reshape(7, -1) / 255.0) and np.array_equal(y, labels)
    with pytest.raises(ValueError, match="expected images of shape"):
        load_mnist(tmp_path, "test")                       # 3 images, 2 labels
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, "validation")


def test_bundled_tables_match_scikit_learn():
    """Do the tables read straight from scikit-learn's data folder equal what sklearn.datasets gives?"""
    from sklearn.datasets import load_diabetes, load_digits

    from dlkit.real_data import _sklearn_table

    digits, diabetes = load_digits(), load_diabetes(scaled=False)
    table = _sklearn_table("digits.csv.gz")
    assert np.array_equal(table[:, :64], digits.data) and np.array_equal(table[:, 64], digits.target)
    assert np.array_equal(_sklearn_table("diabetes_data_raw.csv.gz"), diabetes.data)
    assert np.array_equal(_sklearn_table("diabetes_target.csv.gz").ravel(), diabetes.target)
