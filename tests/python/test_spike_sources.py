"""
The renewal spike sources through PyNN: SpikeSourcePoissonRefractory,
SpikeSourceGamma and SpikeSourceInhGamma (src/models/spike_source_*.c).

For each source: the interval distribution against its closed form with a
Kolmogorov-Smirnov test (p > 0.001 with fixed seeds, and the same test
against a wrong distribution must give p < 1e-6, so that it has power),
spike counts within 5 standard deviations of their expected mean, the
start/duration window and stationarity from the start, parameter changes
between runs, reset repeating a run exactly, and bad parameters raising
InvalidParameterValueError naming the parameter.  SpikeSourceInhGamma: the
rate in every time bin, and its array parameters a, b, tbins (one Sequence
per cell) going to the kernel and back.
"""

import numpy as np
import pytest
from scipy import stats

import pyNN.ranvier as sim
from pyNN import errors
from pyNN.parameters import Sequence

DT = 0.1
P_MIN = 0.001


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=DT, min_delay="auto", rng_seed=20240611)
    yield
    sim.end()


def trains(pop, segment=-1):
    return [np.asarray(st.magnitude) for st in pop.get_data().segments[segment].spiketrains]


def intervals(spike_trains):
    return np.concatenate([np.diff(t) for t in spike_trains])


def count_between(spike_trains, a, b):
    return sum(int(((t >= a) & (t < b)).sum()) for t in spike_trains)


def check_count(count, mean, variance):
    assert abs(count - mean) <= 5 * np.sqrt(variance), (count, mean, np.sqrt(variance))


def check_ks(sample, dist, args, wrong_dist, wrong_args):
    """The sample fits `dist` and the same test rejects `wrong_dist`."""
    p = stats.kstest(sample, dist, args=args).pvalue
    assert p > P_MIN, (dist, args, p, sample.size)
    p_wrong = stats.kstest(sample, wrong_dist, args=wrong_args).pvalue
    assert p_wrong < 1e-6, (wrong_dist, wrong_args, p_wrong, sample.size)


# --------------------------------------------------------------------------
# SpikeSourcePoissonRefractory
# --------------------------------------------------------------------------

@pytest.mark.parametrize("rate,tau_refrac", [(50.0, 5.0), (200.0, 2.0), (80.0, 0.0)])
def test_refractory_intervals_are_dead_time_plus_exponential(rate, tau_refrac):
    n, t_stop = 50, 5000.0
    p = sim.Population(n, sim.SpikeSourcePoissonRefractory(rate=rate, tau_refrac=tau_refrac))
    p.record("spikes")
    sim.run(t_stop)
    spikes = trains(p)
    isi = intervals(spikes)
    assert isi.min() >= tau_refrac - 1e-9
    mean = 1000.0 / rate
    # ISI - tau_refrac ~ Exponential(mean 1000/rate - tau_refrac); a Poisson
    # process of the same rate (or, without dead time, of the wrong rate) fails
    wrong = (0.0, mean) if tau_refrac > 0 else (0.0, 1.2 * mean)
    check_ks(isi - tau_refrac, "expon", (0.0, mean - tau_refrac), "expon", wrong)
    cv2 = ((mean - tau_refrac) / mean) ** 2
    expected = n * rate * t_stop / 1000.0
    check_count(sum(t.size for t in spikes), expected, expected * cv2)


def test_refractory_at_the_limit_is_regular():
    # rate * tau_refrac = 1000: no random part left
    p = sim.Population(4, sim.SpikeSourcePoissonRefractory(rate=100.0, tau_refrac=10.0))
    p.record("spikes")
    sim.run(500.0)
    for t in trains(p):
        assert t.size >= 49
        np.testing.assert_allclose(np.diff(t), 10.0, atol=1e-9)


def test_refractory_window_and_stationary_start():
    n = 1500
    p = sim.Population(n, sim.SpikeSourcePoissonRefractory(rate=100.0, tau_refrac=5.0,
                                                           start=100.0, duration=300.0))
    p.record("spikes")
    sim.run(500.0)
    spikes = trains(p)
    assert count_between(spikes, 0.0, 100.0) == 0
    assert count_between(spikes, 400.0, 500.0) == 0
    # the first 2 ms after start already have the full rate (at most one
    # spike per train there): the train starts in equilibrium
    early = n * 100.0 * 0.002
    check_count(count_between(spikes, 100.0, 102.0), early, early)
    whole = n * 100.0 * 0.3
    check_count(count_between(spikes, 100.0, 400.0), whole, whole * 0.25)


def test_refractory_rate_change_between_runs():
    n = 200
    p = sim.Population(n, sim.SpikeSourcePoissonRefractory(rate=10.0, tau_refrac=2.0))
    p.record("spikes")
    sim.run(1000.0)
    p.set(rate=150.0, tau_refrac=4.0)
    sim.run(1000.0)
    spikes = trains(p)
    check_count(count_between(spikes, 0.0, 1000.0), n * 10.0, n * 10.0)
    check_count(count_between(spikes, 1000.0, 2000.0), n * 150.0, n * 150.0)
    late = [t[t > 1000.0] for t in spikes]
    assert intervals(late).min() >= 4.0 - 1e-9
    p.set(rate=0.0)
    sim.run(500.0)
    assert count_between(trains(p), 2000.0, 2500.0) == 0


def test_refractory_bad_parameters():
    with pytest.raises(errors.InvalidParameterValueError, match="tau_refrac"):
        sim.Population(2, sim.SpikeSourcePoissonRefractory(tau_refrac=-1.0))
    with pytest.raises(errors.InvalidParameterValueError, match="rate"):
        sim.Population(2, sim.SpikeSourcePoissonRefractory(rate=-5.0))
    # rate * tau_refrac > 1000 cannot be met (the exponential part would need
    # a negative mean); like v_reset >= v_thresh, refused when the run starts
    p = sim.Population(3, sim.SpikeSourcePoissonRefractory(rate=[10.0, 300.0, 10.0],
                                                           tau_refrac=5.0))
    with pytest.raises(errors.InvalidParameterValueError, match="tau_refrac"):
        sim.run(10.0)
    assert sim.get_current_time() == 0.0
    p.set(rate=100.0)
    sim.run(10.0)


# --------------------------------------------------------------------------
# SpikeSourceGamma
# --------------------------------------------------------------------------

@pytest.mark.parametrize("alpha,beta", [(2, 400.0), (5, 1000.0), (1, 60.0)])
def test_gamma_intervals(alpha, beta):
    n, t_stop = 50, 4000.0
    p = sim.Population(n, sim.SpikeSourceGamma(alpha=alpha, beta=beta))
    p.record("spikes")
    sim.run(t_stop)
    spikes = trains(p)
    isi = intervals(spikes)
    scale = 1000.0 / beta                       # ms; mean interval alpha/beta s
    other = alpha + 1                           # another shape, same mean
    check_ks(isi, "gamma", (alpha, 0.0, scale), "gamma", (other, 0.0, alpha * scale / other))
    expected = n * t_stop / 1000.0 * beta / alpha
    check_count(sum(t.size for t in spikes), expected, expected / alpha)


def test_gamma_heterogeneous_parameters():
    # PyNN's own scenario, with more cells per parameter set
    alphas, betas = [6, 4, 2], [100.0, 200.0, 1000.0]
    p = sim.Population(60, sim.SpikeSourceGamma(alpha=np.repeat(alphas, 20),
                                                beta=np.repeat(betas, 20)))
    p.record("spikes")
    sim.run(3000.0)
    spikes = trains(p)
    for k, (alpha, beta) in enumerate(zip(alphas, betas)):
        isi = intervals(spikes[20 * k:20 * (k + 1)])
        check_ks(isi, "gamma", (alpha, 0.0, 1000.0 / beta),
                 "expon", (0.0, 1000.0 * alpha / beta))


def test_gamma_window_and_stationary_start():
    n, alpha, beta = 1500, 4, 400.0             # 100 Hz, scale 2.5 ms
    p = sim.Population(n, sim.SpikeSourceGamma(alpha=alpha, beta=beta, start=50.0,
                                               duration=100.0))
    p.record("spikes")
    sim.run(200.0)
    spikes = trains(p)
    assert count_between(spikes, 0.0, 50.0) == 0
    assert count_between(spikes, 150.0, 200.0) == 0
    # full rate from the start: a train begun with a spike at start would
    # give 0.14 spikes per train in the first 5 ms instead of 0.5
    early = n * 100.0 * 0.005
    check_count(count_between(spikes, 50.0, 55.0), early, early)
    whole = n * 100.0 * 0.1
    check_count(count_between(spikes, 50.0, 150.0), whole, whole / alpha)
    # the time to the first spike has the equilibrium (forward recurrence)
    # distribution, mean (alpha + 1) scale / 2
    first = np.array([t[0] - 50.0 for t in spikes if t.size])
    mean = (alpha + 1) * 2.5 / 2
    variance = (alpha + 1) * (alpha + 2) / 3.0 * 2.5 ** 2 - mean ** 2
    assert abs(first.mean() - mean) < 5 * np.sqrt(variance / first.size)


def test_gamma_rate_change_between_runs():
    n = 200
    p = sim.Population(n, sim.SpikeSourceGamma(alpha=3, beta=60.0))     # 20 Hz
    p.record("spikes")
    sim.run(1000.0)
    p.set(beta=600.0)                                                  # 200 Hz
    sim.run(1000.0)
    spikes = trains(p)
    check_count(count_between(spikes, 0.0, 1000.0), n * 20.0, n * 20.0)
    # the process keeps its age and relaxes to the new rate within ~5 ms
    check_count(count_between(spikes, 1050.0, 2000.0), n * 190.0, n * 190.0)


def test_gamma_bad_parameters():
    with pytest.raises(errors.InvalidParameterValueError, match="alpha"):
        sim.Population(2, sim.SpikeSourceGamma(alpha=0))
    with pytest.raises(errors.InvalidParameterValueError, match="beta"):
        sim.Population(2, sim.SpikeSourceGamma(beta=-1.0))
    with pytest.raises(errors.InvalidParameterValueError, match="duration"):
        sim.Population(2, sim.SpikeSourceGamma(duration=-1.0))
    p = sim.Population(2, sim.SpikeSourceGamma())
    with pytest.raises(errors.InvalidParameterValueError, match="start"):
        p.set(start=float("nan"))
    assert p.get("start") == 0.0


# --------------------------------------------------------------------------
# SpikeSourceInhGamma
# --------------------------------------------------------------------------

TBINS = [100.0, 600.0, 1100.0, 1600.0]
A = [1.0, 4.0, 0.5, 2.0]
B = [0.01, 0.0005, 0.02, 0.002]           # s: 100, 500, 100, 250 Hz


def test_inh_gamma_rate_in_every_bin():
    n, t_stop = 200, 2100.0
    p = sim.Population(n, sim.SpikeSourceInhGamma(a=Sequence(A), b=Sequence(B),
                                                  tbins=Sequence(TBINS)))
    p.record("spikes")
    sim.run(t_stop)
    spikes = trains(p)
    assert count_between(spikes, 0.0, TBINS[0]) == 0      # before the first bin
    ends = TBINS[1:] + [t_stop]
    for k, (a, b) in enumerate(zip(A, B)):
        # each bin after a change from 100 ms on (the age carries over the
        # boundary and the train relaxes within a few intervals)
        start = TBINS[k] + (100.0 if k else 0.0)
        rate = 1.0 / (a * b)
        expected = n * rate * (ends[k] - start) / 1000.0
        check_count(count_between(spikes, start, ends[k]), expected, expected / min(a, 1.0))


def test_inh_gamma_intervals_within_a_bin():
    n = 60
    p = sim.Population(n, sim.SpikeSourceInhGamma(a=Sequence([3.0]), b=Sequence([0.004]),
                                                  tbins=Sequence([0.0])))
    p.record("spikes")
    sim.run(3000.0)
    isi = intervals(trains(p))
    check_ks(isi, "gamma", (3.0, 0.0, 4.0), "gamma", (2.0, 0.0, 6.0))
    check_count(isi.size + n, n * 3000.0 / 12.0, n * 3000.0 / 12.0 / 3.0)


def test_inh_gamma_lists_per_cell_and_window():
    cells = [Sequence([1.0]), Sequence([1.0, 1.0])]
    p = sim.Population(2, sim.SpikeSourceInhGamma(
        a=cells, b=[Sequence([0.005]), Sequence([0.002, 0.01])],
        tbins=[Sequence([0.0]), Sequence([0.0, 500.0])], start=50.0, duration=900.0))
    a, b, tbins = p.get(["a", "b", "tbins"])
    np.testing.assert_array_equal(b[1].value, [0.002, 0.01])
    np.testing.assert_array_equal(tbins[1].value, [0.0, 500.0])
    np.testing.assert_array_equal(a[0].value, [1.0])
    assert p[1:2].get("tbins").value.tolist() == [0.0, 500.0]   # one cell: one Sequence
    p[0:1].set(b=Sequence([0.004]))                     # through a view: cell 0 only
    p[0:1].set(b=Sequence([0.005]))
    assert p[0:1].get("b").value.tolist() == [0.005]
    assert p[1:2].get("b").value.tolist() == [0.002, 0.01]
    p.record("spikes")
    sim.run(1000.0)
    s0, s1 = trains(p)
    assert s0.min() >= 50.0 and s0.max() < 950.0 and s1.min() >= 50.0 and s1.max() < 950.0
    check_count(s0.size, 200.0 * 0.9, 200.0 * 0.9)
    check_count(((s1 >= 50) & (s1 < 500)).sum(), 500.0 * 0.45, 500.0 * 0.45)
    check_count(((s1 >= 500) & (s1 < 950)).sum(), 100.0 * 0.45, 100.0 * 0.45)


def test_inh_gamma_set_between_runs():
    n = 200
    p = sim.Population(n, sim.SpikeSourceInhGamma(a=Sequence([2.0]), b=Sequence([0.025]),
                                                  tbins=Sequence([0.0])))          # 20 Hz
    p.record("spikes")
    sim.run(1000.0)
    p.set(a=Sequence([2.0, 1.0]), b=Sequence([0.025, 0.005]),
          tbins=Sequence([0.0, 1500.0]))                                            # 200 Hz later
    sim.run(1500.0)
    spikes = trains(p)
    check_count(count_between(spikes, 0.0, 1500.0), n * 30.0, n * 30.0)
    check_count(count_between(spikes, 1600.0, 2500.0), n * 180.0, n * 180.0)
    assert all(x.value.tolist() == [0.0, 1500.0] for x in p.get("tbins"))


def test_inh_gamma_bad_parameters():
    with pytest.raises(errors.InvalidParameterValueError, match="'a'"):
        sim.Population(2, sim.SpikeSourceInhGamma(a=Sequence([-1.0])))
    with pytest.raises(errors.InvalidParameterValueError, match="'b'"):
        sim.Population(2, sim.SpikeSourceInhGamma(b=Sequence([0.0])))
    with pytest.raises(errors.InvalidParameterValueError, match="tbins"):
        sim.Population(2, sim.SpikeSourceInhGamma(a=Sequence([1.0, 1.0]), b=Sequence([1.0, 1.0]),
                                                  tbins=Sequence([5.0, 1.0])))
    # a set that fails part-way changes nothing
    p = sim.Population(2, sim.SpikeSourceInhGamma(a=Sequence([2.0]), b=Sequence([0.01]),
                                                  tbins=Sequence([0.0])))
    with pytest.raises(errors.InvalidParameterValueError, match="tbins"):
        p.set(a=Sequence([3.0, 4.0]), b=Sequence([0.01, 0.02]), tbins=Sequence([0.0, -1.0]))
    assert all(x.value.tolist() == [2.0] for x in p.get("a"))
    assert all(x.value.tolist() == [0.01] for x in p.get("b"))
    # lists of different lengths: refused when the run starts, naming them
    p.set(a=Sequence([1.0, 2.0]))
    with pytest.raises(errors.InvalidParameterValueError, match="a, b and tbins"):
        sim.run(10.0)
    p.set(b=Sequence([0.01, 0.01]), tbins=Sequence([0.0, 5.0]))
    sim.run(10.0)


# --------------------------------------------------------------------------
# All three: reset repeats a run exactly
# --------------------------------------------------------------------------

def test_reset_repeats_runs_exactly():
    pops = [sim.Population(20, sim.SpikeSourcePoissonRefractory(rate=80.0, tau_refrac=3.0)),
            sim.Population(20, sim.SpikeSourceGamma(alpha=3, beta=300.0)),
            sim.Population(20, sim.SpikeSourceInhGamma(a=Sequence(A), b=Sequence(B),
                                                       tbins=Sequence([0.0, 50.0, 100.0, 150.0])))]
    for p in pops:
        p.record("spikes")

    def run():
        sim.run(120.0)
        pops[1].set(beta=600.0)      # a change between runs too
        sim.run(80.0)
        return [trains(p) for p in pops]

    first = run()
    sim.reset()
    pops[1].set(beta=300.0)
    second = run()
    for a, b in zip(first, second):
        assert sum(t.size for t in a) > 50
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
