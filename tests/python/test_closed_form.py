"""
Ranvier's models, run through PyNN, against closed-form solutions and a
high-precision SciPy reference:

* IF_curr_exp under a DCSource: the subthreshold trace equals the closed
  form v_rest + R I (1 - exp(-t/tau_m)) to 1e-9 mV, the first spike lies
  within one step after t* = tau_m ln(RI / (RI - (v_thresh - v_rest))), and
  every later spike is where the closed form with reset and refractoriness
  puts it on the grid (spikes are detected at the end of a step);
* the post-synaptic potentials of IF_curr_exp and IF_curr_alpha (shape to
  1e-9 mV, peak value and time);
* IF_cond_exp and IF_cond_alpha under Poisson input against
  scipy.integrate.solve_ivp (DOP853, rtol = atol = 1e-12) of the same
  equations with the conductance jumps at t_spike + delay and the same
  threshold / reset / refractory convention: |dv| < 1e-3 mV everywhere over
  1 s at dt = 0.1 ms in a subthreshold regime, and every spike within one
  step of the reference in a firing regime;
* SpikeSourcePoisson: exponential inter-spike intervals
  (Kolmogorov-Smirnov, p > 0.001) and spike counts within 5 sd.

Ranvier's current-based models use exact propagators, so their tolerances
are rounding-level; the conductance-based ones take one RK4 step per dt
(src/models/cond_rk4.h).  Measured max |dv| at dt = 0.1 ms over 1 s of
Poisson input (test_cond_vs_scipy_subthreshold; run with -s to print them):
    IF_cond_exp    6.4e-10 mV (low conductance)   6.5e-7 mV (high conductance)
    IF_cond_alpha  2.1e-6 mV  (low conductance)   4.8e-6 mV (high conductance)
The input trains are Poisson trains rounded to the time grid and played
through a SpikeSourceArray, so that Ranvier (which delivers a spike at the
first grid point at or after its time) and the reference see the same
arrival times.
"""

import math

import numpy as np
import pytest
from scipy import stats

import pyNN.ranvier as sim
from pyNN.parameters import Sequence

from lif_reference import Reference

DT = 0.1


def v_trace(pop):
    return pop.get_data().segments[0].filter(name="v")[0].magnitude


def spikes_of(pop):
    return [np.asarray(st.magnitude) for st in pop.get_data().segments[0].spiketrains]


# --------------------------------------------------------------------------
# IF_curr_exp under a constant current
# --------------------------------------------------------------------------

DC_CASES = [
    # cm (nF), tau_m (ms), I (nA), start (ms), tau_refrac (ms), dt (ms)
    (1.0, 20.0, 1.0, 0.0, 2.0, 0.1),
    (0.5, 15.0, 1.3, 0.0, 0.1, 0.1),
    (0.25, 10.0, 0.8, 12.3, 1.0, 0.1),
    (0.5, 15.0, 1.3, 0.0, 0.5, 0.01),
]


@pytest.mark.parametrize("cm,tau_m,amp,start,tau_refrac,dt", DC_CASES)
def test_if_curr_exp_dc_closed_form(cm, tau_m, amp, start, tau_refrac, dt):
    v_rest, v_thresh, v_reset = -65.0, -50.0, -70.0
    T = 100.0
    sim.setup(timestep=dt)
    p = sim.Population(1, sim.IF_curr_exp(cm=cm, tau_m=tau_m, v_rest=v_rest,
                                          v_thresh=v_thresh, v_reset=v_reset,
                                          tau_refrac=tau_refrac))
    sim.DCSource(amplitude=amp, start=start).inject_into(p)
    p.record(["v", "spikes"])
    sim.run(T)
    v = v_trace(p)[:, 0]
    spikes = spikes_of(p)[0]
    sim.end()

    R = tau_m / cm
    RI = R * amp
    t_star = start + tau_m * math.log(RI / (RI - (v_thresh - v_rest)))
    # first spike: detected at the end of the step in which v crosses
    assert t_star <= spikes[0] < t_star + dt
    # the subthreshold trace up to the first spike, against the closed form
    t = np.arange(v.size) * dt
    s = np.clip(t - start, 0.0, None)
    closed = v_rest + RI * (1.0 - np.exp(-s / tau_m))
    k_spike = int(round(spikes[0] / dt))
    np.testing.assert_allclose(v[:k_spike], closed[:k_spike], rtol=0, atol=1e-9)
    assert v[k_spike] == v_reset
    # the whole train: after a spike at t_k, v is clamped at v_reset until
    # t_k + tau_refrac, then relaxes towards v_rest + RI again
    n_ref = round(tau_refrac / dt)
    isi_free = tau_m * math.log((RI - (v_reset - v_rest)) / (RI - (v_thresh - v_rest)))
    expected = [spikes[0]]
    while True:
        crossing = expected[-1] + n_ref * dt + isi_free
        assert abs(crossing / dt - round(crossing / dt)) > 1e-6   # not ambiguous
        t_next = math.ceil(crossing / dt) * dt
        if t_next > T + 1e-9:
            break
        expected.append(t_next)
    np.testing.assert_allclose(spikes, expected, rtol=0, atol=1e-9)
    # the second interval's subthreshold trace
    k0 = int(round(spikes[0] / dt)) + n_ref
    k1 = int(round(spikes[1] / dt))
    s = (np.arange(k0, k1) - k0) * dt
    closed = v_rest + RI + (v_reset - v_rest - RI) * np.exp(-s / tau_m)
    np.testing.assert_allclose(v[k0:k1], closed, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(v[k_spike:k0 + 1], v_reset)


def test_if_curr_exp_i_offset_equals_dc_source():
    sim.setup(timestep=DT)
    p = sim.Population(2, sim.IF_curr_exp(tau_refrac=2.0))
    p[0:1].set(i_offset=1.1)
    sim.DCSource(amplitude=1.1).inject_into(p[1:2])
    p.record("v")
    sim.run(60.0)
    v = v_trace(p)
    sim.end()
    np.testing.assert_array_equal(v[:, 0], v[:, 1])


# --------------------------------------------------------------------------
# Post-synaptic potentials of the current-based models
# --------------------------------------------------------------------------

def psp_exp(s, w, cm, tau_m, tau_s):
    """v - v_rest after a current jump w at s = 0, decaying with tau_s."""
    return (w / cm) * tau_m * tau_s / (tau_m - tau_s) * (np.exp(-s / tau_m) - np.exp(-s / tau_s))


def psp_alpha(s, w, cm, tau_m, tau_s):
    """v - v_rest for the current w (s/tau_s) exp(1 - s/tau_s), s >= 0."""
    a = 1.0 / tau_s - 1.0 / tau_m
    return (w * math.e / (cm * tau_s * a * a)) * (np.exp(-s / tau_m)
                                                   - np.exp(-s / tau_s) * (1.0 + a * s))


PSP_CASES = [
    ("IF_curr_exp", psp_exp, lambda s, w, tau: w * np.exp(-s / tau), 5.0),
    ("IF_curr_exp", psp_exp, lambda s, w, tau: w * np.exp(-s / tau), 1.7),
    ("IF_curr_alpha", psp_alpha, lambda s, w, tau: w * s / tau * np.exp(1 - s / tau), 0.5),
    ("IF_curr_alpha", psp_alpha, lambda s, w, tau: w * s / tau * np.exp(1 - s / tau), 2.3),
]


@pytest.mark.parametrize("model,psp,current,tau_s", PSP_CASES)
@pytest.mark.parametrize("receptor,w", [("excitatory", 0.8), ("inhibitory", -0.6)])
def test_psp_closed_form(model, psp, current, tau_s, receptor, w):
    cm, tau_m, v_rest, t_spike, delay = 0.5, 12.0, -60.0, 5.0, 1.5
    T = 60.0
    sim.setup(timestep=DT)
    celltype = getattr(sim, model)(cm=cm, tau_m=tau_m, v_rest=v_rest,
                                   tau_syn_E=tau_s, tau_syn_I=tau_s)
    post = sim.Population(1, celltype, initial_values={"v": v_rest})
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[t_spike]))
    sim.Projection(pre, post, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=w, delay=delay), receptor_type=receptor)
    var = "isyn_exc" if receptor == "excitatory" else "isyn_inh"
    post.record(["v", var])
    sim.run(T)
    block = post.get_data()
    sim.end()
    v = block.segments[0].filter(name="v")[0].magnitude[:, 0]
    i = block.segments[0].filter(name=var)[0].magnitude[:, 0]

    t = np.arange(v.size) * DT
    s = t - (t_spike + delay)            # the current starts at t_spike + delay
    on = s >= -1e-9
    s = np.where(on, np.clip(s, 0.0, None), 0.0)
    expected_v = v_rest + np.where(on, psp(s, w, cm, tau_m, tau_s), 0.0)
    expected_i = np.where(on, current(s, w, tau_s), 0.0)
    np.testing.assert_allclose(v, expected_v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(i, expected_i, rtol=0, atol=1e-12)
    # the peak: value and time against the continuous closed form
    fine = np.linspace(0.0, T, 600001)
    cont = psp(fine, w, cm, tau_m, tau_s)
    k = np.argmax(np.abs(cont))
    peak_t, peak_v = fine[k] + t_spike + delay, cont[k]
    k_rec = np.argmax(np.abs(v - v_rest))
    assert abs(t[k_rec] - peak_t) <= DT / 2 + 1e-9
    # sampling the peak on the grid misses at most the curvature over dt/2
    assert abs(v[k_rec] - v_rest) <= abs(peak_v) + 1e-9
    assert abs(v[k_rec] - v_rest - peak_v) < 1e-3 * abs(peak_v)


# --------------------------------------------------------------------------
# Conductance-based models against a SciPy reference
# --------------------------------------------------------------------------

def poisson_grid_train(rng, rate, T, dt, t_min=0.5):
    """Poisson spike times (ms) rounded to the grid, within [t_min, T)."""
    n = rng.poisson(rate * T / 1000.0)
    t = np.sort(rng.uniform(t_min, T, n))
    t = np.round(t / dt) * dt
    return np.unique(t[t < T])


def run_cond_case(model, params, trains_e, trains_i, w_e, w_i, delay, T, dt):
    """Ranvier's v trace and spikes for one neuron driven by the given trains."""
    sim.setup(timestep=dt)
    cell_params = {k: v for k, v in params.items() if k != "v_init"}
    post = sim.Population(1, getattr(sim, model)(**cell_params),
                          initial_values={"v": params["v_init"]})
    for trains, w, receptor in ((trains_e, w_e, "excitatory"), (trains_i, w_i, "inhibitory")):
        src = sim.Population(len(trains), sim.SpikeSourceArray(
            spike_times=[Sequence(t) for t in trains]))
        sim.Projection(src, post, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=np.asarray(w)[:, None], delay=delay),
                       receptor_type=receptor)
    post.record(["v", "spikes"])
    sim.run(T)
    v = v_trace(post)[:, 0]
    spikes = spikes_of(post)[0]
    sim.end()
    return v, spikes


def arrivals(trains, weights, delay):
    return [(t + delay, w) for train, w in zip(trains, weights) for t in train]


def cond_case(model, regime, seed):
    rng = np.random.RandomState(seed)
    exp_shape = model == "IF_cond_exp"
    params = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=2.0, e_rev_E=0.0,
                  e_rev_I=-75.0, v_thresh=-50.0, v_reset=-70.0, i_offset=0.0, v_init=-65.0,
                  tau_syn_E=5.0 if exp_shape else 0.8, tau_syn_I=8.0 if exp_shape else 2.0)
    n_e, n_i = 20, 10
    rate_e, rate_i = 20.0, 20.0
    if regime == "high-conductance":
        # total synaptic conductance about 10 g_L: effective membrane time
        # constant near 2 ms, the hardest case for a fixed-step RK4
        n_e, n_i = 100, 50
        w_e = rng.uniform(0.006, 0.018, n_e) * (1.0 if exp_shape else 3.0)
        w_i = rng.uniform(0.02, 0.06, n_i) * (1.0 if exp_shape else 2.0)
        params["v_thresh"] = -10.0
    elif regime == "subthreshold":
        w_e = rng.uniform(0.002, 0.006, n_e) * (1.0 if exp_shape else 2.0)
        w_i = rng.uniform(0.004, 0.012, n_i) * (1.0 if exp_shape else 2.0)
        params["i_offset"] = 0.1
    else:
        w_e = rng.uniform(0.004, 0.012, n_e) * (1.0 if exp_shape else 4.0)
        w_i = rng.uniform(0.004, 0.012, n_i) * (1.0 if exp_shape else 2.0)
        params["i_offset"] = 0.4
    T = 1000.0
    trains_e = [poisson_grid_train(rng, rate_e, T, DT) for _ in range(n_e)]
    trains_i = [poisson_grid_train(rng, rate_i, T, DT) for _ in range(n_i)]
    return params, trains_e, trains_i, w_e, w_i, T



@pytest.mark.parametrize("regime", ["subthreshold", "high-conductance"])
@pytest.mark.parametrize("model", ["IF_cond_exp", "IF_cond_alpha"])
def test_cond_vs_scipy_subthreshold(model, regime):
    delay = 1.0
    params, trains_e, trains_i, w_e, w_i, T = cond_case(model, regime, seed=42)
    v, spikes = run_cond_case(model, params, trains_e, trains_i, w_e, w_i, delay, T, DT)
    ref = Reference(model, {k: v for k, v in params.items() if k != "v_init"},
                    v_init=params["v_init"])
    v_ref, spikes_ref = ref.run(T, DT, arrivals(trains_e, w_e, delay),
                                arrivals(trains_i, w_i, delay), convention="grid")
    assert spikes.size == 0 and spikes_ref.size == 0
    assert v.shape == v_ref.shape == (int(round(T / DT)) + 1,)
    # the input really moves the membrane
    assert v.max() - v.min() > 3.0
    err = np.abs(v - v_ref).max()
    print(f"\n{model} ({regime}): max |v_ranvier - v_scipy| over {T:g} ms at dt={DT}: "
          f"{err:.3e} mV "
          f"(v range {v.min():.2f}..{v.max():.2f} mV)")
    assert err < 1e-3


@pytest.mark.parametrize("model", ["IF_cond_exp", "IF_cond_alpha"])
def test_cond_vs_scipy_firing(model):
    delay = 1.0
    params, trains_e, trains_i, w_e, w_i, T = cond_case(model, "firing", seed=7)
    v, spikes = run_cond_case(model, params, trains_e, trains_i, w_e, w_i, delay, T, DT)
    ref = Reference(model, {k: v for k, v in params.items() if k != "v_init"},
                    v_init=params["v_init"])
    v_ref, spikes_ref = ref.run(T, DT, arrivals(trains_e, w_e, delay),
                                arrivals(trains_i, w_i, delay), convention="grid")
    assert spikes_ref.size >= 10
    assert spikes.size == spikes_ref.size
    shift = np.abs(spikes - spikes_ref).max()
    print(f"\n{model} (firing): {spikes.size} spikes, max spike-time difference {shift:.3g} ms, "
          f"max |dv| {np.abs(v - v_ref).max():.3e} mV")
    assert shift <= DT + 1e-9


# --------------------------------------------------------------------------
# SpikeSourcePoisson
# --------------------------------------------------------------------------

@pytest.mark.parametrize("rate,n,T,seed", [(1.0, 10, 300000.0, 1), (20.0, 50, 10000.0, 2),
                                           (300.0, 20, 2000.0, 3), (3000.0, 5, 1000.0, 4)])
def test_poisson_source_statistics(rate, n, T, seed):
    # (a few hundred spikes or more per train: intervals observed in a window
    # of only N spikes deviate from the exponential by O(1/N))
    start = 10.0
    sim.setup(timestep=DT, rng_seed=seed)
    src = sim.Population(n, sim.SpikeSourcePoisson(rate=rate, start=start, duration=T))
    src.record("spikes")
    sim.run(start + T + 50.0)
    trains = spikes_of(src)
    sim.end()
    counts = np.array([t.size for t in trains])
    expected = rate * T / 1000.0
    # total count: Poisson with mean n * expected
    assert abs(counts.sum() - n * expected) < 5 * math.sqrt(n * expected)
    # every train within [start, start + duration)
    assert all(t.size == 0 or (t.min() >= start and t.max() < start + T) for t in trains)
    # intervals, including the first one from start (memoryless), are exponential
    isis = np.concatenate([np.diff(np.concatenate([[start], t])) for t in trains])
    result = stats.kstest(isis, "expon", args=(0.0, 1000.0 / rate))
    print(f"\nPoisson {rate:g} Hz: KS p = {result.pvalue:.3f}, "
          f"count z = {(counts.sum() - n * expected) / math.sqrt(n * expected):.2f}")
    assert result.pvalue > 0.001, result
    # the trains of different neurons are independent of each other
    assert len({tuple(t[:3]) for t in trains}) == n
