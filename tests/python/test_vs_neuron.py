"""
The same small PyNN scripts on pyNN.neuron and pyNN.ranvier.

(a) Connection lists: PyNN's connectors with NumpyRNG seeds and
    RandomDistribution weights/delays give exactly the same connections and
    weights on both; delays are equal once NEURON's are rounded to the time
    grid (Ranvier rounds delays to dt, NEURON keeps them continuous).
(b) Single neurons (IF_curr_exp, IF_curr_alpha, IF_cond_exp, IF_cond_alpha)
    driven by a DCSource and by SpikeSourceArray input, against NEURON in
    two configurations, with a SciPy reference (lif_reference.py, DOP853 at
    rtol = atol = 1e-12) to tell who is off:
    * NEURON with CVODE (rtol = atol = 1e-8), threshold crossings located by
      interpolation (cvode.condition_order(2)), steps of at most dt and one
      integrator per cell (see setup()): the closer agreement.  NEURON is
      then within 2e-5 mV and 7e-4 ms of the exact-crossing reference.  v
      before the first spike agrees with Ranvier to 1e-3 mV (measured at most
      1.6e-4 mV, in IF_cond_alpha whose 0.3 ms synapse is the hardest case
      for Ranvier's RK4; the others 1.2e-5 mV).  NEURON reports the exact
      crossing time, Ranvier the end of the step in which v crossed
      (pynn-backend.md), so Ranvier's first spike is later by 0..dt, and
      every later difference is the one between the two conventions (the
      SciPy reference run both ways), within 5e-3 ms.
      Without condition_order(2) NEURON's CVODE tests the threshold only at
      the end of its own (long) steps: its spikes are then 0.4 ms late and
      more, accumulating (test_neuron_cvode_default_threshold_detection_is_coarse).
    * NEURON's default fixed step (implicit Euler, first order, dt = 0.1):
      v differs by up to 0.15 mV, and that is NEURON's error, not Ranvier's
      (both are compared with the reference in the test); under a constant
      current NEURON's slower charging delays each interspike interval by one
      step, so its n-th spike is n steps late.
(c) A network of 100 Poisson-driven IF_cond_exp neurons with recurrent
    connections: mean rates agree (identical input trains: within 6 %,
    with a per-neuron count correlation above 0.95; independent Poisson
    sources: within 5 standard deviations of the difference of the means
    plus the same 6 %).  The 6 % is NEURON's fixed-step bias: its implicit
    Euler fires 2-4 % more than the accurate solution in this regime
    (measured once on 10 of these neurons with identical input over 2 s:
    NEURON CVODE 355 spikes, NEURON fixed step 361, Ranvier 353; too slow
    to repeat here).

(d) A composed PointNeuron (AdExp with four alpha receptors, PyNN's
    examples/multi_synapse.py) against NEURON with CVODE.

IF_curr_delta has no NEURON implementation in PyNN (skipped).  The module
is skipped if pyNN.neuron cannot be imported.
"""

import os
import sys

import numpy as np
import pytest

# PyNN 0.13 looks up nrnivmodl on PATH when pyNN.neuron is imported.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

try:
    import pyNN.neuron as nrn
    from neuron import h
except Exception as err:  # ImportError, or a failed NMODL compilation
    pytest.skip(f"pyNN.neuron cannot be imported: {err}", allow_module_level=True)

import pyNN.ranvier as rv
from pyNN.parameters import Sequence
from pyNN.random import NumpyRNG, RandomDistribution

from lif_reference import Reference

DT = 0.1


def setup(sim, integrator="fixed", condition_order=2, **extra):
    """setup() with NEURON's integrator chosen explicitly (pyNN.neuron keeps
    CVODE settings from one setup() to the next unless told).

    "cvode": CVODE at rtol = atol = 1e-8, steps of at most dt, threshold
    crossings located by interpolation (condition_order 2), and one
    integrator per cell (use_local_dt): the cells of earlier tests are never
    freed in NEURON (hoc objects hold them), and a global CVODE would count
    their quiet states in its error norm, diluting the control of the cell
    under test (its error grew from 5e-6 to 4e-4 mV in this module)."""
    if sim is nrn:
        cvode = integrator == "cvode"
        sim.setup(timestep=DT, min_delay=DT, use_cvode=cvode, rtol=1e-8, atol=1e-8, **extra)
        solver = sim.simulator.state.cvode
        solver.use_local_dt(1 if cvode else 0)
        solver.condition_order(condition_order if cvode else 1)
        solver.maxstep(DT if cvode else 1e9)
    else:
        sim.setup(timestep=DT, min_delay=DT, **extra)


# --------------------------------------------------------------------------
# (b) single neurons
# --------------------------------------------------------------------------

MODELS = ["IF_curr_exp", "IF_curr_alpha", "IF_cond_exp", "IF_cond_alpha"]
PARAMS = dict(cm=0.5, tau_m=15.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-70.0, tau_refrac=2.0)
T = 100.0
DC = (5.0, 80.0, 1.3)                       # start, stop, amplitude (nA): regular firing
EXC_TIMES = [5.0, 10.0, 10.5, 30.0, 31.0, 32.0, 50.0, 50.1, 50.2]
INH_TIMES = [40.0]
DELAY = 1.0


def _weights(model):
    return (2.0, -1.0) if model.startswith("IF_curr") else (0.05, 0.05)


def run_single(sim, model, drive, integrator="fixed"):
    """v at every grid point and the spike times of one neuron."""
    setup(sim, integrator)
    cell = sim.Population(1, getattr(sim, model)(**PARAMS))
    if drive == "dc":
        sim.DCSource(start=DC[0], stop=DC[1], amplitude=DC[2]).inject_into(cell)
    else:
        w_e, w_i = _weights(model)
        exc = sim.Population(1, sim.SpikeSourceArray(spike_times=EXC_TIMES))
        inh = sim.Population(1, sim.SpikeSourceArray(spike_times=INH_TIMES))
        # (AllToAll: pyNN.neuron's OneToOneConnector fails on 1-cell populations
        # with NumPy 2)
        sim.Projection(exc, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=w_e, delay=DELAY), receptor_type="excitatory")
        sim.Projection(inh, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=w_i, delay=DELAY), receptor_type="inhibitory")
    v, spikes = run_and_read(sim, cell, integrator, T)
    assert v.shape == (int(round(T / DT)) + 1,)
    return v, spikes


def run_and_read(sim, cell, integrator, t_stop):
    """Runs to t_stop and ends; v of the one-cell population on the grid
    and its spike times."""
    if integrator == "cvode":
        # PyNN records every CVODE step; record on the grid directly instead
        vec = h.Vector()
        vec.record(cell[0]._cell.source_section(0.5)._ref_v, DT)
        cell.record("spikes")
    else:
        cell.record(["v", "spikes"])
    sim.run(t_stop)
    seg = cell.get_data().segments[0]
    if integrator == "cvode":
        v = np.array(vec)
    else:
        v = np.asarray(seg.analogsignals[0].magnitude)[:, 0]
    spikes = np.asarray(seg.spiketrains[0].magnitude)
    sim.end()
    return v, spikes


_REFERENCE_CACHE = {}


def reference(model, drive, convention):
    key = (model, drive, convention)
    if key not in _REFERENCE_CACHE:
        params = dict(getattr(rv, model).default_parameters)
        params.update(PARAMS)
        ref = Reference(model, params)
        if drive == "dc":
            result = ref.run(T, DT, pulses=[DC], convention=convention)
        else:
            w_e, w_i = _weights(model)
            result = ref.run(T, DT, arrivals_e=[(t + DELAY, w_e) for t in EXC_TIMES],
                             arrivals_i=[(t + DELAY, w_i) for t in INH_TIMES],
                             convention=convention)
        _REFERENCE_CACHE[key] = result
    return _REFERENCE_CACHE[key]


def _first_spike_step(*trains):
    return int(round(min([t[0] for t in trains if len(t)] + [T]) / DT))


@pytest.mark.parametrize("drive", ["dc", "synaptic"])
@pytest.mark.parametrize("model", MODELS)
def test_single_neuron_vs_neuron_cvode(model, drive):
    v_r, s_r = run_single(rv, model, drive)
    v_n, s_n = run_single(nrn, model, drive, "cvode")
    v_grid, s_grid = reference(model, drive, "grid")
    v_exact, s_exact = reference(model, drive, "exact")
    assert s_grid.size >= 1
    # Ranvier is the grid-convention solution, spike for spike
    np.testing.assert_allclose(s_r, s_grid, rtol=0, atol=1e-9)
    assert np.abs(v_r - v_grid).max() < 1e-3
    # NEURON/CVODE is the exact-crossing solution
    k = _first_spike_step(s_r, s_n)
    err_n = np.abs(v_n[:k] - v_exact[:k]).max()
    assert s_n.size == s_exact.size
    print(f"\nNEURON vs reference: spikes {np.abs(s_n - s_exact).max():.1e} ms")
    assert np.abs(s_n - s_exact).max() < 5e-3
    # Ranvier against NEURON: v before the first spike ...
    dv = np.abs(v_r[:k] - v_n[:k]).max()
    print(f"\n{model} {drive}: max |dv| {dv:.1e} mV before the first spike "
          f"(NEURON vs reference {err_n:.1e} mV); "
          f"spike-time differences {np.round(s_r - s_n, 4)} ms")
    assert dv < 1e-3
    # ... the first spike 0..dt later (end of the step vs exact crossing) ...
    assert s_r.size == s_n.size
    assert -5e-3 <= s_r[0] - s_n[0] <= DT + 5e-3
    # ... and every difference is the one between the two conventions
    np.testing.assert_allclose(s_r - s_n, s_grid - s_exact, rtol=0, atol=5e-3)


@pytest.mark.parametrize("drive", ["dc", "synaptic"])
@pytest.mark.parametrize("model", MODELS)
def test_single_neuron_vs_neuron_fixed_step(model, drive):
    v_r, s_r = run_single(rv, model, drive)
    v_n, s_n = run_single(nrn, model, drive, "fixed")
    v_grid, s_grid = reference(model, drive, "grid")
    k = _first_spike_step(s_r, s_n)
    diff = np.abs(v_r[:k] - v_n[:k]).max()
    assert diff < 0.15
    # The difference is NEURON's: implicit Euler is first order (its error is
    # 0.016-0.1 mV here), while Ranvier is within 1e-3 mV of the reference.
    err_r = np.abs(v_r[:k] - v_grid[:k]).max()
    err_n = np.abs(v_n[:k] - v_grid[:k]).max()
    print(f"\n{model} {drive}: max |v_ranvier - v_neuron| {diff:.3f} mV; against the "
          f"reference: Ranvier {err_r:.1e} mV, NEURON {err_n:.3f} mV")
    assert err_r < 1e-3
    assert err_n > 0.01 and err_n > 50 * err_r
    # spikes: the same number; under a constant current NEURON's slower
    # charging delays every interval by one step, with synaptic input (which
    # dominates the crossing) the spikes coincide
    assert s_r.size == s_n.size >= 1
    if drive == "dc":
        np.testing.assert_allclose(s_n - s_r, DT * np.arange(1, s_r.size + 1), rtol=0,
                                   atol=1e-9)
    else:
        np.testing.assert_allclose(s_n, s_r, rtol=0, atol=1e-9)


def test_neuron_cvode_default_threshold_detection_is_coarse():
    """Why the CVODE comparison sets condition_order(2): by default NEURON's
    CVODE tests the threshold (PyNN's ResetRefrac WATCH) at the end of its own
    steps, which are long on a smooth trajectory, so its spikes come late."""
    setup(nrn, "cvode", condition_order=1)
    nrn.simulator.state.cvode.maxstep(1e9)
    cell = nrn.Population(1, nrn.IF_curr_exp(**PARAMS))
    nrn.DCSource(start=DC[0], stop=DC[1], amplitude=DC[2]).inject_into(cell)
    cell.record("spikes")
    nrn.run(T)
    s_n = np.asarray(cell.get_data().segments[0].spiketrains[0].magnitude)
    nrn.end()
    _, s_exact = reference("IF_curr_exp", "dc", "exact")
    v_r, s_r = run_single(rv, "IF_curr_exp", "dc")
    # NEURON's error: late by up to a CVODE step, and accumulating (a spike
    # may be lost before the end of the current)
    n = min(s_n.size, s_exact.size)
    print(f"\nNEURON CVODE, default threshold detection: spikes late by "
          f"{np.round(s_n[:n] - s_exact[:n], 3)} ms ({s_n.size} of {s_exact.size})")
    assert s_n.size != s_exact.size or (s_n[:n] - s_exact[:n]).max() > DT
    # Ranvier: each spike at the end of the step of the crossing (so that the
    # k-th spike is late by less than k steps)
    assert s_r.size == s_exact.size
    late_r = s_r - s_exact
    assert np.all(late_r >= 0) and np.all(late_r < DT * np.arange(1, s_r.size + 1))


def test_if_curr_delta_not_in_neuron():
    nrn.setup(timestep=DT)
    try:
        nrn.Population(1, nrn.IF_curr_delta())
    except NotImplementedError:
        pytest.skip("IF_curr_delta is not available in pyNN.neuron (PyNN's ModelNotAvailable): "
                    "nothing to compare Ranvier's IF_curr_delta with")
    finally:
        nrn.end()
    pytest.fail("pyNN.neuron now has IF_curr_delta: add it to the comparisons")


def run_composed(sim, i_offset, integrator="fixed"):
    """PyNN's examples/multi_synapse.py: an AdExp membrane with four alpha
    receptors (AMPA, GABAA, NMDA, GABAB), one input spike on each but GABAB."""
    setup(sim, integrator)
    celltype = sim.PointNeuron(sim.AdExp(tau_m=10.0, v_rest=-60.0, i_offset=i_offset),
                               AMPA=sim.AlphaPSR(tau_syn=1.0, e_syn=0.0),
                               NMDA=sim.AlphaPSR(tau_syn=20.0, e_syn=0.0),
                               GABAA=sim.AlphaPSR(tau_syn=1.5, e_syn=-70.0),
                               GABAB=sim.AlphaPSR(tau_syn=15.0, e_syn=-90.0))
    cell = sim.Population(1, celltype, initial_values={"v": -60.0})
    for t, receptor, weight in [(30.0, "AMPA", 0.01), (60.0, "GABAA", 0.1),
                                (90.0, "NMDA", 0.005)]:
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=[t]))
        sim.Projection(source, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=weight, delay=1.5), receptor_type=receptor)
    return run_and_read(sim, cell, integrator, 200.0)


@pytest.mark.parametrize("i_offset", [0.0, 0.9])
def test_composed_adexp_vs_neuron_cvode(i_offset):
    """Subthreshold (i_offset 0) v agrees to 1e-5 mV (measured 7e-6); firing
    (0.9 nA), v before the first spike to 1e-3 mV (measured 4e-4, near the
    upswing) and the first spike is Ranvier's at the end of the step of
    NEURON's crossing.  (Later spikes drift apart by up to dt per interval:
    NEURON resets at the crossing, Ranvier at the end of its step.)"""
    v_r, s_r = run_composed(rv, i_offset)
    v_n, s_n = run_composed(nrn, i_offset, "cvode")
    assert v_r.shape == v_n.shape
    k = _first_spike_step(s_r, s_n) if s_r.size + s_n.size else v_r.size
    dv = np.abs(v_r[:k] - v_n[:k]).max()
    print(f"\nPointNeuron(AdExp, 4 x AlphaPSR), i_offset {i_offset}: max |dv| {dv:.1e} mV "
          f"over {k * DT:.1f} ms; spikes {s_r[:3]} / NEURON {s_n[:3]}")
    if i_offset == 0.0:
        assert s_r.size == s_n.size == 0
        assert np.ptp(v_r) > 1.0 and dv < 1e-5
    else:
        assert s_r.size >= 5 and abs(s_r.size - s_n.size) <= 1
        assert dv < 1e-3
        assert 0.0 <= s_r[0] - s_n[0] <= DT + 1e-9


# --------------------------------------------------------------------------
# (a) connection lists
# --------------------------------------------------------------------------

def _connector_case(sim, case):
    # (spike sources as the presynaptic side where possible: pyNN.neuron never
    # frees its cells, which every later NEURON run then simulates too)
    pre = sim.Population(30, sim.SpikeSourceArray(spike_times=[1.0]))
    post = sim.Population(20, sim.IF_curr_exp())
    w = RandomDistribution("uniform", (0.1, 1.0), rng=NumpyRNG(seed=101))
    d = RandomDistribution("normal_clipped", (1.5, 0.5, 0.1, 5.0), rng=NumpyRNG(seed=102))
    rng = NumpyRNG(seed=103)
    if case == "fixed_probability":
        return sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2, rng=rng),
                              sim.StaticSynapse(weight=w, delay=d))
    if case == "fixed_probability_no_self":
        return sim.Projection(post, post, sim.FixedProbabilityConnector(
            0.3, allow_self_connections=False, rng=rng), sim.StaticSynapse(weight=w, delay=d))
    if case == "fixed_number_pre":
        return sim.Projection(pre, post, sim.FixedNumberPreConnector(5, rng=rng),
                              sim.StaticSynapse(weight=w, delay=d))
    if case == "fixed_number_pre_replacement":
        return sim.Projection(pre, post, sim.FixedNumberPreConnector(
            5, with_replacement=True, rng=rng), sim.StaticSynapse(weight=w, delay=d))
    if case == "fixed_number_pre_views":
        return sim.Projection(pre[5:25], post[::2], sim.FixedNumberPreConnector(4, rng=rng),
                              sim.StaticSynapse(weight=w, delay=d))
    if case == "all_to_all":
        return sim.Projection(pre, post, sim.AllToAllConnector(),
                              sim.StaticSynapse(weight=w, delay=d))
    if case == "shared_rng":          # one RNG for the rule, the weights and the delays
        shared = NumpyRNG(seed=7)
        return sim.Projection(pre, post, sim.FixedProbabilityConnector(0.3, rng=shared),
                              sim.StaticSynapse(
                                  weight=RandomDistribution("normal", (0.5, 0.1), rng=shared),
                                  delay=RandomDistribution("uniform", (0.5, 2.0), rng=shared)))
    if case == "all_to_all_inhibitory":
        return sim.Projection(pre, post, sim.AllToAllConnector(), sim.StaticSynapse(
            weight=RandomDistribution("uniform", (-1.0, -0.1), rng=rng), delay=d),
            receptor_type="inhibitory")
    raise ValueError(case)


@pytest.mark.parametrize("case", ["fixed_probability", "fixed_probability_no_self",
                                  "fixed_number_pre", "fixed_number_pre_replacement",
                                  "fixed_number_pre_views", "all_to_all", "shared_rng",
                                  "all_to_all_inhibitory"])
def test_connection_lists_identical(case):
    lists = {}
    for sim in (nrn, rv):
        setup(sim)
        prj = _connector_case(sim, case)
        lists[sim] = np.array(sorted(prj.get(["weight", "delay"], format="list")))
        sim.end()
    a, b = lists[nrn], lists[rv]
    assert a.shape == b.shape and a.shape[0] > 0
    np.testing.assert_array_equal(a[:, :2], b[:, :2])       # the same (pre, post) pairs
    np.testing.assert_array_equal(a[:, 2], b[:, 2])         # the same weights
    np.testing.assert_allclose(np.round(a[:, 3] / DT) * DT, b[:, 3], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# (c) network statistics
# --------------------------------------------------------------------------

N_CELLS = 100
T_NET = 5000.0


def _input_trains(n, rate, seed):
    """Poisson trains on the time grid, identical for both simulators."""
    rng = np.random.RandomState(seed)
    trains = []
    for _ in range(n):
        t = np.sort(rng.uniform(DT, T_NET, rng.poisson(rate * T_NET / 1000.0)))
        trains.append(Sequence(np.unique(np.round(t / DT) * DT)))
    return trains


def run_network(sim, inputs):
    setup(sim)
    if inputs == "poisson":
        exc = sim.Population(200, sim.SpikeSourcePoisson(rate=15.0))
        inh = sim.Population(100, sim.SpikeSourcePoisson(rate=15.0))
    else:
        exc = sim.Population(200, sim.SpikeSourceArray(spike_times=_input_trains(200, 15.0, 1)))
        inh = sim.Population(100, sim.SpikeSourceArray(spike_times=_input_trains(100, 15.0, 2)))
    cells = sim.Population(N_CELLS, sim.IF_cond_exp(tau_refrac=2.0, v_thresh=-50.0,
                                                    v_reset=-60.0))
    sim.Projection(exc, cells, sim.FixedNumberPreConnector(50, rng=NumpyRNG(seed=11)),
                   sim.StaticSynapse(weight=RandomDistribution("uniform", (0.003, 0.007),
                                                               rng=NumpyRNG(seed=12)),
                                     delay=1.0),
                   receptor_type="excitatory")
    sim.Projection(inh, cells, sim.FixedNumberPreConnector(20, rng=NumpyRNG(seed=13)),
                   sim.StaticSynapse(weight=0.01, delay=1.0), receptor_type="inhibitory")
    sim.Projection(cells, cells, sim.FixedProbabilityConnector(0.05, rng=NumpyRNG(seed=14)),
                   sim.StaticSynapse(weight=0.002, delay=1.5), receptor_type="excitatory")
    cells.record("spikes")
    sim.run(T_NET)
    counts = np.array([len(st) for st in cells.get_data().segments[0].spiketrains])
    sim.end()
    return counts


FIXED_STEP_BIAS = 0.06


def test_network_rates_identical_inputs():
    c_r = run_network(rv, "arrays")
    c_n = run_network(nrn, "arrays")
    rate_r, rate_n = c_r.mean() / T_NET * 1000, c_n.mean() / T_NET * 1000
    print(f"\nidentical inputs: Ranvier {rate_r:.2f} Hz, NEURON {rate_n:.2f} Hz")
    assert 5.0 < rate_r < 50.0
    assert abs(rate_r - rate_n) < FIXED_STEP_BIAS * rate_r
    assert np.corrcoef(c_r, c_n)[0, 1] > 0.95


def test_network_rates_poisson_sources():
    c_r = run_network(rv, "poisson")
    c_n = run_network(nrn, "poisson")
    rate_r, rate_n = c_r.mean() / T_NET * 1000, c_n.mean() / T_NET * 1000
    # the two runs draw independent Poisson trains: the difference of the
    # mean rates has this standard deviation (across-neuron variances)
    sd = np.sqrt(c_r.var(ddof=1) / N_CELLS + c_n.var(ddof=1) / N_CELLS) / T_NET * 1000
    print(f"\nPoisson inputs: Ranvier {rate_r:.2f} Hz, NEURON {rate_n:.2f} Hz, sd {sd:.2f} Hz")
    assert 5.0 < rate_r < 50.0
    assert abs(rate_r - rate_n) < 5 * sd + FIXED_STEP_BIAS * rate_r
