"""
ranvier.numpy_rng (numpy's legacy RandomState streams in C) against numpy
and PyNN, bit for bit.

Every test draws the same numbers twice from equal states: once with the
numpy (or PyNN) calls the C function claims to reproduce, once in C. The
values and the final states (key, position, cached Gaussian) must be equal.
"""

import numpy as np
import pytest

from pyNN import random as pynn_random
from pyNN.random import NumpyRNG

from ranvier import numpy_rng


def twins(seed, warm_up=None):
    """Two RandomStates in the same state; warm_up(rs) is applied to both."""
    a, b = np.random.RandomState(seed), np.random.RandomState(seed)
    if warm_up is not None:
        warm_up(a)
        warm_up(b)
    return a, b


def assert_same_state(a, b):
    sa, sb = a.get_state(), b.get_state()
    assert sa[0] == sb[0] == "MT19937"
    assert np.array_equal(sa[1], sb[1])
    assert sa[2:] == sb[2:], (sa[2:], sb[2:])


# warm-ups that leave the state at the start of a key block, inside one, at
# its last word, and with a cached Gaussian
WARM_UPS = {
    "fresh": None,
    "mid-block": lambda rs: rs.random_sample(101),
    "last-word": lambda rs: rs.randint(0, 2 ** 32, size=623, dtype=np.uint64),
    "cached-gauss": lambda rs: rs.standard_normal(3),
}


@pytest.mark.parametrize("warm_up", WARM_UPS)
@pytest.mark.parametrize("n", [0, 1, 623, 624, 625, 5000])
def test_raw_words(warm_up, n):
    a, b = twins(3, WARM_UPS[warm_up])
    bit_generator = np.random.MT19937()
    bit_generator.state = a.get_state(legacy=False)
    expected = bit_generator.random_raw(n)
    got = numpy_rng.random_raw(b, n)
    assert got.dtype == np.uint32 and np.array_equal(got, expected)
    a.set_state(("MT19937", bit_generator.state["state"]["key"],
                 bit_generator.state["state"]["pos"]) + a.get_state()[3:])
    assert_same_state(a, b)


@pytest.mark.parametrize("warm_up", WARM_UPS)
def test_random_sample(warm_up):
    a, b = twins(4, WARM_UPS[warm_up])
    for n in (1, 2, 311, 10000):
        assert np.array_equal(numpy_rng.random_sample(b, n), a.random_sample(n))
        assert_same_state(a, b)


def test_gaussian_cache_crosses_calls():
    # odd counts leave a cached value for the next call, C or numpy
    a, b = twins(5)
    for n in (1, 1, 3, 2, 5, 1000, 7):
        assert np.array_equal(numpy_rng.standard_normal(b, n), a.standard_normal(n))
        assert_same_state(a, b)
        # numpy continues from the state C wrote back, and C from numpy's
        assert np.array_equal(b.standard_normal(1), a.standard_normal(1))
        assert_same_state(a, b)
    assert b.get_state()[3] in (0, 1)


@pytest.mark.parametrize("loc,scale", [(0.0, 1.0), (0.3, 1.7), (-5.0, 1e-3), (1e10, 3.3),
                                       (87.8e-3, 8.78e-3), (2.0, 0.0), (np.inf, 1.0),
                                       (0.0, np.nan), (3, 2)])
def test_normal(loc, scale):
    a, b = twins(6, lambda rs: rs.standard_normal(1))
    expected = a.normal(loc, scale, size=10001)
    (got,), failures = numpy_rng.normal_columns([(b, loc, scale, None, 1000)], [10001])
    assert failures == []
    assert np.array_equal(got, expected, equal_nan=True)
    assert_same_state(a, b)


@pytest.mark.parametrize("scale", [-1.0, -0.0, -1e-300])
def test_negative_scale_is_numpy_error(scale):
    a, b = twins(7)
    with pytest.raises(ValueError, match="scale < 0"):
        a.normal(0.0, scale, size=3)
    counts = [0, 0, 4, 2]
    _, failures = numpy_rng.normal_columns([(b, 0.0, scale, None, 1000)], counts)
    assert failures == [(2, 0, numpy_rng.NEGATIVE_SCALE)]   # the first non-empty column
    assert_same_state(a, b)   # nothing drawn
    # no column to draw: numpy would never be called, so no error
    assert numpy_rng.normal_columns([(b, 0.0, scale, None, 1000)], [0, 0])[1] == []


HIGHS = [1, 2, 3, 5, 7, 8, 9, 255, 256, 257, 2 ** 16 - 1, 2 ** 16, 2 ** 16 + 1, 20683,
         2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3 * 2 ** 30, 2 ** 32 - 1, 2 ** 32]


@pytest.mark.parametrize("high", HIGHS)
def test_randint(high):
    a, b = twins(8, lambda rs: rs.standard_normal(1))
    expected = a.randint(0, high, size=3001)
    got = numpy_rng.randint(b, high, 3001)
    assert got.dtype == np.uint32 and np.array_equal(got, expected)
    assert_same_state(a, b)   # high == 1 consumes nothing, in both


@pytest.mark.parametrize("high", [0, -1, 2 ** 32 + 1])
def test_randint_rejects_out_of_range_high(high):
    with pytest.raises(ValueError, match="high must be in"):
        numpy_rng.randint(np.random.RandomState(1), high, 3)


def pairs_by_numpy(rs, n, high_a, high_b):
    """FixedTotalNumberConnector's calls: rng.next(1, 'uniform_int') then rng.choice."""
    rng = NumpyRNG(seed=1)
    rng.rng = rs
    targets = np.arange(high_b)
    drawn = [(rng.next(1, 'uniform_int', {"low": 0, "high": high_a}, mask=None)[0],
              rng.choice(targets, size=1)[0]) for _ in range(n)]
    return np.array(drawn, dtype=np.int64).reshape(n, 2)


@pytest.mark.parametrize("high_a,high_b", [(1, 7), (9, 1), (1, 1), (2, 2), (3, 1000),
                                           (20683, 21915), (65536, 65537), (2 ** 31 + 1, 5)])
def test_randint_pairs(high_a, high_b):
    a, b = twins(9, lambda rs: rs.standard_normal(1))   # the cache must survive
    expected = pairs_by_numpy(a, 3000, high_a, high_b)
    got_a, got_b = numpy_rng.randint_pairs(b, 3000, high_a, high_b)
    assert np.array_equal(got_a, expected[:, 0]) and np.array_equal(got_b, expected[:, 1])
    assert_same_state(a, b)


def test_randint_pairs_at_2_32():
    # too slow through PyNN's calls: numpy's own randint, alternating
    a, b = twins(10)
    expected = np.array([(a.randint(0, 2 ** 32, size=1)[0], a.randint(0, 2 ** 32 - 1, size=1)[0])
                         for _ in range(500)])
    got = numpy_rng.randint_pairs(b, 500, 2 ** 32, 2 ** 32 - 1)
    assert np.array_equal(np.column_stack(got), expected)
    assert_same_state(a, b)


@pytest.mark.parametrize("n,high_a,high_b", [(0, 5, 5), (1, 1, 1), (4000, 30, 25),
                                             (4000, 1, 17), (4000, 1024, 3), (50, 7, 64)])
def test_pairs_by_target(n, high_a, high_b):
    a, b = twins(11)
    sources, targets = numpy_rng.randint_pairs(a, n, high_a, high_b)
    order = np.argsort(targets, kind="stable")
    pre, post, counts = numpy_rng.pairs_by_target(b, n, high_a, high_b)
    assert pre.dtype == post.dtype == np.uint32 and counts.dtype == np.int64
    assert np.array_equal(pre, sources[order]) and np.array_equal(post, targets[order])
    assert np.array_equal(counts, np.bincount(targets, minlength=high_b))
    assert_same_state(a, b)


# --- PyNN's normal_clipped, column by column ------------------------------------------------


def clipped_by_pynn(rs, counts, mu, sigma, low, high):
    """What PyNN draws: one NumpyRNG.next(n, 'normal_clipped') per non-empty column.

    Returns (values, the column where PyNN raised or None).
    """
    rng = NumpyRNG(seed=1)
    rng.rng = rs
    parameters = {"mu": mu, "sigma": sigma, "low": low, "high": high}
    values = [np.empty(0)]
    for column, n in enumerate(counts):
        if n:
            try:
                values.append(rng.next(n, 'normal_clipped', parameters))
            except Exception as error:
                assert str(error) == ("Maximum number of redraws exceeded. "
                                      "Check the parameterization of your distribution.")
                return None, column
    return np.concatenate(values), None


CLIPS = [
    (0.0, 1.0, 0.5, 1.0),           # 15 % accepted: many redraw rounds
    (1.5, 0.75, 0.1, np.inf),       # PD14 delays
    (87.8e-3, 8.78e-3, 0.0, np.inf),   # PD14 excitatory weights (no redraws)
    (-351.2e-3, 35.12e-3, -np.inf, 0.0),   # inhibitory
    (np.nan, 1.0, 0.0, 1.0),        # NaN is never redrawn
    (0.0, 0.0, -1.0, 1.0),          # sigma 0
]
COLUMNS = [[5, 0, 0, 1, 17, 0, 200, 3, 1, 1, 0], [0, 0, 0], [1] * 50, [1000]]


@pytest.mark.parametrize("mu,sigma,low,high", CLIPS)
@pytest.mark.parametrize("counts", COLUMNS)
def test_normal_clipped_columns(mu, sigma, low, high, counts):
    a, b = twins(12, lambda rs: rs.standard_normal(1))
    expected, failed = clipped_by_pynn(a, counts, mu, sigma, low, high)
    assert failed is None
    (got,), failures = numpy_rng.normal_columns([(b, mu, sigma, (low, high), 1000)], counts)
    assert failures == []
    assert np.array_equal(got, expected, equal_nan=True)
    assert_same_state(a, b)


@pytest.mark.parametrize("mu,sigma,low,high", [(0.0, 1.0, 0.0, 0.0),   # only 0.0 is in range
                                               (0.5, 0.2, 0.7, 0.3),   # low > high
                                               (0.0, 1.0, 10.0, 11.0)])
def test_normal_clipped_gives_up_where_pynn_does(mu, sigma, low, high):
    a, b = twins(13)
    counts = [0, 3, 2]
    assert clipped_by_pynn(a, counts, mu, sigma, low, high)[1] == 1
    _, failures = numpy_rng.normal_columns(
        [(b, mu, sigma, (low, high), pynn_random.MAX_REDRAWS)], counts)
    assert failures == [(1, 0, numpy_rng.REDRAWS_EXCEEDED)]
    assert_same_state(a, b)   # the same 1 + 1001 rounds were drawn


# values fall outside [low, inf) with probability q, and are still outside
# after the draw and max_redraws + 1 redraw rounds with probability
# q**(max_redraws + 2) ~ 2 %
@pytest.mark.parametrize("max_redraws,low", [(0, -1.08), (1, -0.61), (2, -0.32)])
def test_redraw_limit_boundary(monkeypatch, max_redraws, low):
    """With few redraw rounds allowed some columns fail, some don't: C must
    fail at the same column as PyNN, after the same draws."""
    monkeypatch.setattr(pynn_random, "MAX_REDRAWS", max_redraws)
    counts = [0, 4, 1, 6, 2, 5, 3]
    failed_columns = []
    for seed in range(60):
        a, b = twins(seed)
        expected, failed = clipped_by_pynn(a, counts, 0.0, 1.0, low, np.inf)
        (got,), failures = numpy_rng.normal_columns([(b, 0.0, 1.0, (low, np.inf), max_redraws)],
                                                    counts)
        if failed is None:
            assert failures == [] and np.array_equal(got, expected)
        else:
            assert failures == [(failed, 0, numpy_rng.REDRAWS_EXCEEDED)]
        assert_same_state(a, b)
        failed_columns.append(failed)
    # both outcomes, and failures in several columns, were met
    assert None in failed_columns and len(set(failed_columns)) >= 3, failed_columns


def test_parallel_streams_equal_serial_ones():
    counts = np.random.RandomState(14).randint(0, 300, size=400)
    specs = [(0.0, 1.0, (0.5, 1.0), 1000), (1.5, 0.75, (0.1, np.inf), 1000),
             (0.2, 0.1, None, 1000)]
    serial_states = [np.random.RandomState(s) for s in (1, 2, 3)]
    serial = [numpy_rng.normal_columns([(rs,) + spec], counts)[0][0]
              for rs, spec in zip(serial_states, specs)]
    parallel_states = [np.random.RandomState(s) for s in (1, 2, 3)]
    parallel, failures = numpy_rng.normal_columns(
        [(rs,) + spec for rs, spec in zip(parallel_states, specs)], counts, threads=2)
    assert failures == []
    for x, y, rs_a, rs_b in zip(serial, parallel, serial_states, parallel_states):
        assert np.array_equal(x, y)
        assert_same_state(rs_a, rs_b)


def test_shared_or_unsupported_states_are_refused():
    rs = np.random.RandomState(1)
    with pytest.raises(ValueError, match="share a RandomState"):
        numpy_rng.normal_columns([(rs, 0, 1, None, 1000), (rs, 0, 1, None, 1000)], [3])
    pcg = np.random.RandomState(np.random.PCG64(1))
    assert not numpy_rng.is_supported(pcg) and numpy_rng.is_supported(rs)
    with pytest.raises(TypeError, match="MT19937"):
        numpy_rng.randint(pcg, 5, 3)
    with pytest.raises(ValueError, match="counts must not be negative"):
        numpy_rng.normal_columns([(rs, 0, 1, None, 1000)], [3, -1])
