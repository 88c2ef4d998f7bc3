"""
numpy's legacy ``RandomState`` streams, drawn in C, in bulk.

Each function takes a ``numpy.random.RandomState`` (MT19937, the legacy
generator PyNN's NumpyRNG wraps), makes in C (ranvier._numpy_rng, see
numpy_stream.h) exactly the draws that the numpy calls named in its
docstring would make, and writes the advanced state back into the
RandomState: afterwards it is where those numpy calls would have left it,
the cached Gaussian included.  Values are bit for bit numpy's
(tests/python/test_numpy_rng.py compares them).

Only numpy is needed: PyNN's rules (which calls PyNN makes, its errors)
are applied by pyNN.ranvier.fastconnect.
"""

import numpy as np

from . import _numpy_rng

# normal_columns() statuses (numpy_stream.h: nps_status)
OK, REDRAWS_EXCEEDED, NEGATIVE_SCALE = 0, 1, 2


def is_supported(random_state):
    """Can these functions draw from `random_state` (a legacy MT19937 RandomState)?"""
    return (type(random_state) is np.random.RandomState
            and random_state.get_state(legacy=False)["bit_generator"] == "MT19937")


class _State:
    """The MT19937 state of a RandomState, as the C functions take it."""

    def __init__(self, random_state):
        if not is_supported(random_state):
            raise TypeError("a numpy.random.RandomState with an MT19937 bit generator is "
                            "required, not %r" % (random_state,))
        self.random_state = random_state
        _, key, pos, has_gauss, gauss = random_state.get_state(legacy=True)
        self.key = np.array(key, dtype=np.uint32)   # written in place by the C functions
        self.args = (self.key, int(pos), int(has_gauss), float(gauss))

    def save(self, result):
        """Writes (pos, has_gauss, gauss) returned by a C function, and the key, back."""
        pos, has_gauss, gauss = result
        self.random_state.set_state(("MT19937", self.key, pos, has_gauss, gauss))


def _fill(kind, random_state, out):
    state = _State(random_state)
    state.save(_numpy_rng.fill(kind, state.args, out))
    return out


def random_raw(random_state, n):
    """n tempered 32-bit MT19937 words (uint32), as MT19937.random_raw gives them."""
    return _fill(0, random_state, np.empty(n, np.uint32))


def random_sample(random_state, n):
    """random_state.random_sample(n)."""
    return _fill(1, random_state, np.empty(n, np.float64))


def standard_normal(random_state, n):
    """random_state.standard_normal(n): legacy polar Gaussians, with the cache."""
    return _fill(2, random_state, np.empty(n, np.float64))


def _check_high(high, what="high"):
    if not 1 <= high <= 2 ** 32:
        raise ValueError("%s must be in [1, 2**32], not %r" % (what, high))
    return int(high)


def randint(random_state, high, n):
    """random_state.randint(0, high, size=n) for 1 <= high <= 2**32, as uint32."""
    out = np.empty(n, np.uint32)
    state = _State(random_state)
    state.save(_numpy_rng.randint(state.args, _check_high(high), out))
    return out


def randint_pairs(random_state, n, high_a, high_b):
    """n rounds of randint(0, high_a, size=1) then randint(0, high_b, size=1).

    (RandomState.choice(k, size=1) is randint(0, k, size=1).) Returns the
    two uint32 arrays of values.
    """
    a, b = np.empty(n, np.uint32), np.empty(n, np.uint32)
    state = _State(random_state)
    state.save(_numpy_rng.randint_pairs(state.args, _check_high(high_a, "high_a"),
                                        _check_high(high_b, "high_b"), a, b))
    return a, b


def pairs_by_target(random_state, n, n_pre, n_post):
    """The pairs of randint_pairs(random_state, n, n_pre, n_post), grouped by target.

    Returns (pre, post, counts): the sources and targets (uint32), ordered
    by target and within a target in draw order (a stable sort), and the
    number of pairs of each of the n_post targets (int64).
    """
    pre, post = np.empty(n, np.uint32), np.empty(n, np.uint32)
    counts = np.empty(_check_high(n_post, "n_post"), np.int64)
    state = _State(random_state)
    state.save(_numpy_rng.pairs_by_target(state.args, _check_high(n_pre, "n_pre"), n_post,
                                          pre, post, counts))
    return pre, post, counts


def normal_columns(draws, counts, threads=1):
    """normal or normal_clipped values, column by column, for several streams at once.

    `draws`: a list of (random_state, loc, scale, clip, max_redraws), clip
    None (normal) or (low, high) (PyNN's normal_clipped: each column's
    out-of-range values redrawn, in index order, round after round, at most
    max_redraws + 1 rounds). Every draw makes sum(counts) values, counts[c]
    for column c, and no draw for an empty column. The streams are drawn in
    up to `threads` threads: no two may share a RandomState.

    Returns (values, failures): one float64 array per draw, and a list of
    (column, draw index, status) for the draws that failed, status
    REDRAWS_EXCEEDED or NEGATIVE_SCALE (numpy's "scale < 0"), column the
    column where the failure happens. The RandomStates are advanced (up to
    the failure, for a failed draw).
    """
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if counts.ndim != 1:
        raise ValueError("counts must be one-dimensional")
    if len({id(draw[0]) for draw in draws}) < len(draws):
        raise ValueError("two draws share a RandomState: their values would interleave")
    total = int(counts.sum())
    states, jobs, values = [], [], []
    for random_state, loc, scale, clip, max_redraws in draws:
        state = _State(random_state)
        low, high = (-np.inf, np.inf) if clip is None else clip
        out = np.empty(total, np.float64)
        states.append(state)
        values.append(out)
        jobs.append((state.args, float(loc), float(scale), clip is not None, float(low),
                     float(high), int(max_redraws), out))
    results = _numpy_rng.normal_columns(jobs, counts, int(threads))
    failures = []
    for index, (state, (status, column, result)) in enumerate(zip(states, results)):
        state.save(result)
        if status != OK:
            failures.append((column, index, status))
    return values, failures
