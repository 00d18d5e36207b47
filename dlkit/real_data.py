"""Real data sets that work offline: scikit-learn's bundled digits and diabetes data, and a reader
for the MNIST / Fashion-MNIST IDX files when you have them on disk.

Nothing here downloads anything. ``load_digits_split`` and ``load_diabetes_split`` read data that
ship inside scikit-learn; ``load_idx`` and ``load_mnist`` read files you fetched yourself, e.g.
from https://github.com/zalandoresearch/fashion-mnist (``data/fashion``) or a copy of MNIST
(the four files ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``).
"""
from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

# The third byte of an IDX file's magic number names the element type; data are big-endian.
IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
GZIP_MAGIC = b"\x1f\x8b"


def _sklearn_table(name: str) -> np.ndarray:
    """One of the gzipped tables that ship in ``sklearn/datasets/data``, read without importing
    scikit-learn (which takes seconds); through ``sklearn.datasets`` where the file is not found."""
    spec = importlib.util.find_spec("sklearn")
    if spec is not None and spec.origin:
        path = Path(spec.origin).parent / "datasets" / "data" / name
        if path.is_file():
            with gzip.open(path, "rt") as handle:
                return np.loadtxt(handle, delimiter="," if name == "digits.csv.gz" else None, ndmin=2)
    from sklearn import datasets

    if name == "digits.csv.gz":
        digits = datasets.load_digits()
        return np.column_stack([digits.data, digits.target])
    diabetes = datasets.load_diabetes(scaled=False)
    return diabetes.data if name == "diabetes_data_raw.csv.gz" else diabetes.target[:, None]


def _split_indices(labels: np.ndarray | None, n: int, test_size: float, seed: int):
    """Shuffled train / test indices; stratified (every class split in the same proportion) when
    ``labels`` are given. Deterministic for a given seed."""
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size!r}")
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(labels == c) for c in np.unique(labels)] if labels is not None else [np.arange(n)]
    train, test = [], []
    for members in groups:
        members = rng.permutation(members)
        n_test = int(round(test_size * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_digits_split(test_size: float = 0.25, seed: int = 0):
    """scikit-learn's handwritten digits (1,797 images of 8x8 pixels, classes 0-9), split in two.

    Returns ``X_train, X_test, y_train, y_test``: X of shape (N, 64), float64, pixel intensities
    scaled from 0..16 to [0, 1] (row-major 8x8 images); y of shape (N,), int64 class labels.
    The split is stratified and shuffled with ``np.random.default_rng(seed)``.
    """
    table = _sklearn_table("digits.csv.gz")             # 64 pixels, then the label
    X = table[:, :64] / 16.0
    y = table[:, 64].astype(np.int64)
    train, test = _split_indices(y, len(y), test_size, seed)
    return X[train], X[test], y[train], y[test]


def load_diabetes_split(test_size: float = 0.25, seed: int = 0, standardise_target: bool = True):
    """scikit-learn's diabetes regression data (442 patients, 10 measurements, a disease-progression
    score one year later), split in two and standardised.

    Returns ``X_train, X_test, y_train, y_test``: X of shape (N, 10), float64, each column shifted
    and scaled by the *training* mean and standard deviation (so the test set carries no
    information into the scaling); y of shape (N,), float64, standardised the same way when
    ``standardise_target`` (then a mean squared error of 1.0 means "no better than predicting the
    training mean"), else in the original units.
    """
    X = _sklearn_table("diabetes_data_raw.csv.gz")
    y = _sklearn_table("diabetes_target.csv.gz").reshape(-1)
    train, test = _split_indices(None, len(y), test_size, seed)
    mean, sd = X[train].mean(axis=0), X[train].std(axis=0)
    X = (X - mean) / sd
    if standardise_target:
        y = (y - y[train].mean()) / y[train].std()
    return X[train], X[test], y[train], y[test]


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}. Download the MNIST or Fashion-MNIST files "
                                "yourself (see the notebook) and pass the path of one of them.")
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path} looks gzip-compressed but cannot be decompressed ({exc}): "
                             "the download is probably incomplete") from None
    return raw


def load_idx(path) -> np.ndarray:
    """Read one IDX file (the format of MNIST and Fashion-MNIST), plain or gzip-compressed.

    The file starts with a 4-byte magic number: two zero bytes, a type code (0x08 unsigned byte,
    0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the number of
    dimensions; then one big-endian uint32 per dimension; then the values, big-endian, row-major.
    Returns an array of that shape in the native byte order (uint8 for MNIST images and labels).
    Raises FileNotFoundError for a missing file and ValueError, saying what is wrong, for a file
    that is not IDX, is truncated or has bytes left over.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path} is truncated: {len(raw)} bytes, too short for an IDX header")
    zero1, zero2, code, ndim = raw[:4]
    if zero1 != 0 or zero2 != 0 or code not in IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file: its magic number is 0x{raw[:4].hex()}, expected "
                         f"0x0000TTDD with type code TT in {sorted(f'{c:02x}' for c in IDX_TYPES)} and "
                         "DD dimensions (MNIST images: 0x00000803, labels: 0x00000801)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header announces {ndim} dimensions but the file "
                         f"has only {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise ValueError(f"{path} is truncated: shape {shape} of {dtype.name} needs {expected} bytes of "
                         f"data, the file has {found} (an interrupted download?)")
    if found > expected:
        raise ValueError(f"{path} has {found - expected} bytes after the data of shape {shape}: "
                         "it is not a well-formed IDX file")
    values = np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)), offset=header)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(folder: Path, stem: str) -> Path:
    # The usual names, gzipped or not, and the "train-images.idx3-ubyte" spelling of some mirrors.
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{stem}(.gz) not found in {folder}. Put the four MNIST / Fashion-MNIST "
                            f"files there: {', '.join(s + '.gz' for pair in MNIST_FILES.values() for s in pair)}")


def load_mnist(folder, split: str = "train"):
    """MNIST or Fashion-MNIST (same file names, same format) from IDX files in ``folder``.

    Returns ``X, y``: X of shape (N, 784), float64 in [0, 1] (pixels divided by 255, each 28x28
    image flattened row by row) and y of shape (N,), int64. ``split`` is "train" (60,000 images)
    or "test" (10,000).
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = Path(folder)
    images_stem, labels_stem = MNIST_FILES[split]
    images = load_idx(_find(folder, images_stem))
    labels = load_idx(_find(folder, labels_stem))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{folder}: expected images of shape (N, rows, cols) and N labels, got "
                         f"{images.shape} and {labels.shape}")
    X = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return X, labels.astype(np.int64)
