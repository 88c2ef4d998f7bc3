"""
EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista (AdEx), Izhikevich,
IF_cond_exp_gsfa_grr and IF_facets_hardware1 on Ranvier, through PyNN:

* against SciPy's DOP853 at rtol = atol = 1e-12 on the same equations and
  conventions (adex_izh_reference.py): input jumps at t_spike + delay on the
  grid, AdEx/Izhikevich reset at the exact crossing time t_c with the spike
  reported at the end of its step (ceil(t_c/dt) dt), IF_cond_exp_gsfa_grr
  tested and reset on the grid like IF_cond_exp;
* the reductions (AdEx with delta_T = a = b = 0 is IF_cond_exp /
  IF_cond_alpha, IF_cond_exp_gsfa_grr with q_sfa = q_rr = 0 is IF_cond_exp,
  IF_facets_hardware1 is IF_cond_exp with cm 0.2 nF, tau_refrac 1 ms,
  e_rev_E 0, tau_m = 200/g_leak): bit for bit, same spikes;
* recordables and their units, initial values, bad parameters
  (InvalidParameterValueError naming the parameter);
* the semantics of PyNN's examples/Izhikevich.py, neuron by neuron;
* the same single-neuron script on pyNN.nest and pyNN.neuron where they
  implement the model.

Measured (run with -s to print them).  Targets of the issue: subthreshold
v within 1e-3 mV over 1 s at dt = 0.1 ms under Poisson input; spike times
within one step at dt = 0.1 ms and within 0.1 % at dt = 0.01 ms.

    max |v - v_ref| (mV)                        dt = 0.1 ms    dt = 0.01 ms
    AdEx exp, 1 s without spikes (v up to       8.8e-8
      -46.4 mV, above v_thresh)
    AdEx alpha, 1 s without spikes              1.3e-7
    AdEx exp, firing: > 2 ms before a spike     2.8e-7         1.9e-8
                      everywhere                2.4e-6         1.5e-6
    AdEx alpha, firing: > 2 ms before a spike   3.7e-6         1.9e-8
                        everywhere              2.4e-5         2.5e-7
    AdEx exp, delta_T = 0.5 mV, firing          4.7e-7 / 3.5e-5
    Izhikevich, 1 s without spikes              4.7e-7
    Izhikevich, firing: > 2 ms before a spike   8.8e-5         6.1e-7
                        everywhere              3.3e-3         4.1e-5
    Izhikevich.py example (3 neurons)                          3.6e-6
    IF_cond_exp_gsfa_grr, firing                1.4e-5
  "Everywhere" includes the upswing before a spike, which is unstable: any
  earlier difference grows there by one to two orders of magnitude (in the
  reference too), so the 1e-3 mV target is checked away from it.
  Spikes: as many as the reference's in every case, each at the end of the
  step of the reference's crossing, i.e. in [t_c, t_c + dt]; at
  dt = 0.01 ms within 0.06 % of t_c for every t_c > 10 ms.  (A spike at
  t_c < 10 ms can be later by up to dt, more than 0.1 % of t_c: that is the
  time grid, not the integration; Ranvier reports neuron spikes at step
  ends, as NEST does.)  IF_cond_exp_gsfa_grr: the reference's spikes
  exactly (the threshold is tested on the grid).

Other simulators (same script, dt = 0.1 ms, 300 ms, DC + spike input; the
reference tells who is off):

* NEST aeif_cond_exp / aeif_cond_alpha (RKF45, gsl_error_tol 1e-6, the same
  reset convention): v before the first spike within 5e-8 mV of Ranvier
  (both within 5e-8 mV of the reference); the first 16 of 50 (exp) and 55
  of 134 (alpha) spikes identical.  The first differing spike is NEST's
  error: GSL's "yp" step control, which NEST uses, allows an error
  proportional to |V| + h |dV/dt|, loose in the upswing, where NEST's V
  was 0.23 mV off; the crossing then lands in the neighbouring step
  (Ranvier's stamp is the reference's ceil(t_c/dt) dt, checked), and the
  trains drift apart after that.
* NEURON's adexp.mod (fixed step, first order): v off by 0.04-0.12 mV before
  the first spike; 42 spikes instead of 50 (exp) and 115 instead of 134
  (alpha).  NEURON is off.
* NEST izhikevich integrates with forward Euler at dt and resets at the end
  of the step: off by 0.3 mV before the first spike and by several ms from
  the 6th spike; NEURON's izhikevich.mod (first order): off by 3 mV before
  the first spike, spikes within 1.6 ms.  Both are off; Ranvier is within
  5e-7 mV of the reference there.
* IF_cond_exp_gsfa_grr: pyNN.nest 0.13 cannot create it (KeyError 'g_r', its
  variable_map uses NEST's names g_rr/g_sfa); NEURON (fixed step) is within
  0.05 mV before the first spike and spikes 1-2 steps early (first order);
  Ranvier's spikes are the reference's.
* IF_facets_hardware1: NEST (iaf_cond_exp with the same fixed parameters)
  within 0.004 mV, the same 219 spikes as Ranvier and the reference; NEURON
  the same first 13 spikes, then (first order) drifting by up to 0.6 ms,
  218 spikes.
"""

import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest

import pyNN.ranvier as sim
from pyNN import errors
from pyNN.parameters import Sequence

import adex_izh_reference as ref

ADEX = ("EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def grid_trains(rng, n, rate, T, dt, t0=1.0):
    """n Poisson trains (Hz) on the time grid, as step indices."""
    n_steps = int(round(T / dt))
    out = []
    for _ in range(n):
        ks = np.nonzero(rng.random(n_steps) < rate * dt * 1e-3)[0]
        out.append(ks[(ks * dt >= t0) & (ks < n_steps - 1)])
    return out


def run(backend, celltype, T, dt, inputs=(), record=("v",), init=None, dc=None):
    """One neuron of `celltype` (built from backend) driven by
    SpikeSourceArrays: inputs = [(trains, weights, receptor)], delay dt.
    Returns (recorded signals, spikes, {step: summed weight per receptor})."""
    backend.setup(timestep=dt, min_delay=dt)
    cell = backend.Population(1, celltype)
    if init:
        cell.initialize(**init)
    cell.record(list(record) + ["spikes"])
    jumps = {}
    for trains, weights, receptor in inputs:
        times = [Sequence(np.round(ks * dt, 10)) for ks in trains]
        src = backend.Population(len(trains), backend.SpikeSourceArray(spike_times=times))
        conns = [(j, 0, float(weights[j]), dt) for j in range(len(trains))]
        backend.Projection(src, cell,
                           backend.FromListConnector(conns, column_names=["weight", "delay"]),
                           backend.StaticSynapse(), receptor_type=receptor)
        slot = 0 if receptor == "excitatory" else 1
        for ks, w in zip(trains, weights):
            for k in ks:
                jumps.setdefault(int(k) + 1, [0.0, 0.0])[slot] += w
    if dc:
        source = backend.DCSource(**dc)
        source.inject_into(cell)
    backend.run(T)
    seg = cell.get_data().segments[0]
    signals = {a.name: np.asarray(a.magnitude)[:, 0] for a in seg.analogsignals}
    spikes = np.asarray(seg.spiketrains[0].magnitude)
    backend.end()
    return signals, spikes, {k: tuple(v) for k, v in jumps.items()}


def poisson_inputs(seed, T, dt, n_e, rate_e, w_e, n_i, rate_i, w_i, sign_i=1.0):
    rng = np.random.default_rng(seed)
    te, ti = grid_trains(rng, n_e, rate_e, T, dt), grid_trains(rng, n_i, rate_i, T, dt)
    we = rng.uniform(0.5, 1.5, n_e) * w_e
    wi = sign_i * rng.uniform(0.5, 1.5, n_i) * w_i
    return [(te, we, "excitatory"), (ti, wi, "inhibitory")]


def away_from_upswings(n, dt, t_c, before=2.0):
    """Grid points not within `before` ms before a reference spike: the
    upswing is unstable (errors grow there by orders of magnitude, in any
    integrator, the reference's included), so v is compared apart from it."""
    t = np.arange(n) * dt
    keep = np.ones(n, bool)
    for tc in t_c:
        keep &= ~((t > tc - before) & (t < tc + dt))
    return keep


def check_spikes(spikes, t_c, dt, label):
    """Ranvier's spikes are the ends of the steps of the reference's crossings."""
    assert len(spikes) == len(t_c), (label, len(spikes), len(t_c))
    if not len(t_c):
        return 0.0, 0.0
    late = spikes - t_c
    assert np.all(late >= -1e-9) and np.all(late <= dt + 1e-9), (label, late.min(), late.max())
    stamps = np.ceil(t_c / dt - 1e-9) * dt
    near_grid = np.abs(t_c / dt - np.round(t_c / dt)) < 1e-6
    assert np.all((np.abs(spikes - stamps) < 1e-9) | near_grid), label
    after = t_c > 10.0
    rel = np.max(late[after] / t_c[after]) if after.any() else 0.0
    return late.max(), rel


# --------------------------------------------------------------------------
# AdEx against the reference
# --------------------------------------------------------------------------

@pytest.mark.parametrize("model", ADEX)
def test_adex_subthreshold_vs_scipy(model):
    """1 s at dt = 0.1 ms of Poisson input keeping v below v_spike but above
    v_thresh at times (so the exponential term and the careful path act)."""
    T, dt = 1000.0, 0.1
    w_e = 0.0034 if model == ADEX[0] else 0.002
    inputs = poisson_inputs(3, T, dt, 10, 80.0, w_e, 5, 60.0, 0.01)
    sig, spikes, jumps = run(sim, getattr(sim, model)(), T, dt, inputs, record=("v", "w"))
    v_ref, w_ref, _, t_c = ref.adex({}, T, dt, jumps, alpha="alpha" in model)
    assert len(spikes) == 0 and len(t_c) == 0
    assert sig["v"].max() > -50.4          # the exponential term matters
    dv = np.max(np.abs(sig["v"] - v_ref))
    dw = np.max(np.abs(sig["w"] - w_ref))
    print(f"\n{model} subthreshold: max|dv| = {dv:.2g} mV, max|dw| = {dw:.2g} nA, "
          f"v_max = {sig['v'].max():.2f} mV")
    assert dv < 1e-5           # target 1e-3 mV
    assert dw < 1e-9


@pytest.mark.parametrize("model", ADEX)
@pytest.mark.parametrize("dt,T", [(0.1, 500.0), (0.01, 150.0)])
def test_adex_spiking_vs_scipy(model, dt, T):
    inputs = poisson_inputs(1, T, dt, 10, 120.0, 0.006, 5, 60.0, 0.01)
    sig, spikes, jumps = run(sim, getattr(sim, model)(), T, dt, inputs, record=("v", "w"))
    v_ref, w_ref, _, t_c = ref.adex({}, T, dt, jumps, alpha="alpha" in model)
    assert len(t_c) > 10
    late, rel = check_spikes(spikes, t_c, dt, model)
    dv = np.max(np.abs(sig["v"] - v_ref))
    dv_away = np.max(np.abs(sig["v"] - v_ref)[away_from_upswings(len(v_ref), dt, t_c)])
    print(f"\n{model} dt={dt}: {len(spikes)} spikes, max|dv| = {dv:.2g} mV "
          f"({dv_away:.2g} more than 2 ms before a spike), spike - t_c <= {late:.3g} ms, "
          f"relative (t_c > 10 ms) {rel:.2g}")
    assert dv_away < 1e-4 and dv < 1e-2
    if dt == 0.01:
        assert rel < 1e-3


def test_adex_small_delta_t_and_refractoriness_vs_scipy():
    """A sharper upswing (delta_T = 0.5 mV: the exponential term grows by e
    every 0.5 mV), a long refractory period, stronger adaptation."""
    T, dt = 300.0, 0.1
    params = dict(delta_T=0.5, tau_refrac=2.0, v_spike=-42.0, a=10.0, b=0.1, tau_w=50.0)
    inputs = poisson_inputs(2, T, dt, 10, 120.0, 0.006, 5, 60.0, 0.01)
    sig, spikes, jumps = run(sim, sim.EIF_cond_exp_isfa_ista(**params), T, dt, inputs,
                             record=("v", "w"))
    v_ref, w_ref, _, t_c = ref.adex(params, T, dt, jumps)
    assert len(t_c) > 5
    check_spikes(spikes, t_c, dt, "delta_T = 0.5")
    dv = np.max(np.abs(sig["v"] - v_ref))
    dv_away = np.max(np.abs(sig["v"] - v_ref)[away_from_upswings(len(v_ref), dt, t_c)])
    print(f"\ndelta_T = 0.5: {len(spikes)} spikes, max|dv| = {dv:.2g} mV ({dv_away:.2g} away)")
    assert dv_away < 1e-4 and dv < 1e-2
    assert np.max(np.abs(sig["w"] - w_ref)) < 1e-7


# --------------------------------------------------------------------------
# Izhikevich against the reference
# --------------------------------------------------------------------------

def izh_jumps(jumps):
    return {k: e + i for k, (e, i) in jumps.items()}


def test_izhikevich_subthreshold_vs_scipy():
    T, dt = 1000.0, 0.1
    inputs = poisson_inputs(1, T, dt, 10, 80.0, 1.5, 5, 60.0, 0.5, sign_i=-1.0)
    sig, spikes, jumps = run(sim, sim.Izhikevich(), T, dt, inputs, record=("v", "u"))
    v_ref, u_ref, t_c = ref.izhikevich({}, T, dt, izh_jumps(jumps))
    assert len(spikes) == 0 and len(t_c) == 0
    dv, du = np.max(np.abs(sig["v"] - v_ref)), np.max(np.abs(sig["u"] - u_ref))
    print(f"\nIzhikevich subthreshold: max|dv| = {dv:.2g} mV, max|du| = {du:.2g} mV/ms, "
          f"v_max = {sig['v'].max():.2f}")
    assert dv < 1e-5 and du < 1e-6


@pytest.mark.parametrize("dt,T", [(0.1, 500.0), (0.01, 200.0)])
def test_izhikevich_spiking_vs_scipy(dt, T):
    params = dict(i_offset=0.005)
    inputs = poisson_inputs(4, T, dt, 10, 120.0, 2.0, 5, 60.0, 0.5, sign_i=-1.0)
    sig, spikes, jumps = run(sim, sim.Izhikevich(**params), T, dt, inputs, record=("v", "u"))
    v_ref, u_ref, t_c = ref.izhikevich(params, T, dt, izh_jumps(jumps))
    assert len(t_c) > 5
    late, rel = check_spikes(spikes, t_c, dt, "Izhikevich")
    dv = np.max(np.abs(sig["v"] - v_ref))
    dv_away = np.max(np.abs(sig["v"] - v_ref)[away_from_upswings(len(v_ref), dt, t_c)])
    print(f"\nIzhikevich dt={dt}: {len(spikes)} spikes, max|dv| = {dv:.2g} mV "
          f"({dv_away:.2g} more than 2 ms before a spike), relative spike error "
          f"(t_c > 10 ms) {rel:.2g}")
    assert dv_away < 1e-3 and dv < 1e-2
    if dt == 0.01:
        assert rel < 1e-3


def test_izhikevich_example_semantics():
    """PyNN's examples/Izhikevich.py, neuron by neuron: dt = 0.01 ms,
    min_delay 1 ms; neuron 0 with i_offset = 0.014 nA (14 mV/ms), neuron 1
    receiving 3 mV jumps from spikes at 10, 11, ..., 50 ms through a 1 ms
    delay, neuron 2 with a 0.014 nA DCSource on [2, 92) ms."""
    dt, T = 0.01, 100.0
    sim.setup(timestep=dt, min_delay=1.0)
    neurons = sim.Population(3, sim.Izhikevich(a=0.02, b=0.2, c=-65, d=6,
                                               i_offset=[0.014, 0.0, 0.0]))
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=np.arange(10.0, 51, 1)))
    sim.Projection(source, neurons[1:2], sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=3.0, delay=1.0), receptor_type="excitatory")
    electrode = sim.DCSource(start=2.0, stop=92.0, amplitude=0.014)
    electrode.inject_into(neurons[2:3])
    neurons.record(["v", "u", "spikes"])
    neurons.initialize(v=-70.0, u=-14.0)
    sim.run(T)
    seg = neurons.get_data().segments[0]
    v = np.asarray(seg.filter(name="v")[0].magnitude)
    u = np.asarray(seg.filter(name="u")[0].magnitude)
    spikes = [np.asarray(st.magnitude) for st in seg.spiketrains]
    sim.end()
    base = dict(a=0.02, b=0.2, c=-65.0, d=6.0)
    jumps = {int(round(t / dt)): 3.0 for t in np.arange(11.0, 52.0, 1.0)}
    cases = [(dict(base, i_offset=0.014), {}, ()),
             (base, jumps, ()),
             (base, {}, ((2.0, 92.0, 0.014),))]
    for j, (params, jmp, pulses) in enumerate(cases):
        v_ref, u_ref, t_c = ref.izhikevich(params, T, dt, jmp, pulses=pulses)
        check_spikes(spikes[j], t_c, dt, f"Izhikevich.py neuron {j}")
        dv = np.max(np.abs(v[:, j] - v_ref))
        print(f"\nIzhikevich.py neuron {j}: {len(t_c)} spikes, max|dv| = {dv:.2g} mV")
        assert dv < 1e-3
        assert np.max(np.abs(u[:, j] - u_ref)) < 1e-4
    assert len(spikes[0]) > 5 and len(spikes[2]) >= 3
    assert 0 < len(spikes[1]) < 10                # driven only by the jumps
    assert spikes[2].min() > 2.0 and spikes[2].max() < 92.0 + 5.0


# --------------------------------------------------------------------------
# IF_cond_exp_gsfa_grr against the reference
# --------------------------------------------------------------------------

def test_gsfa_grr_vs_scipy():
    T, dt = 500.0, 0.1
    inputs = poisson_inputs(1, T, dt, 10, 160.0, 0.02, 5, 60.0, 0.04)
    sig, spikes, jumps = run(sim, sim.IF_cond_exp_gsfa_grr(), T, dt, inputs,
                             record=("v", "g_r", "g_s"))
    v_ref, gr_ref, gs_ref, t_ref = ref.gsfa_grr({}, T, dt, jumps)
    assert len(t_ref) > 10
    assert np.array_equal(np.round(spikes / dt), np.round(t_ref / dt))
    dv = np.max(np.abs(sig["v"] - v_ref))
    print(f"\nIF_cond_exp_gsfa_grr: {len(spikes)} spikes, max|dv| = {dv:.2g} mV")
    assert dv < 1e-4                    # target 1e-3 mV
    assert np.max(np.abs(sig["g_r"] - gr_ref)) < 1e-6     # nS, of up to ~3000
    assert np.max(np.abs(sig["g_s"] - gs_ref)) < 1e-9


# --------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------

COMMON_LIF = dict(cm=0.281, tau_m=9.3667, v_rest=-70.6, v_reset=-70.6, v_thresh=-50.4,
                  e_rev_E=0.0, e_rev_I=-80.0, tau_syn_E=5.0, tau_syn_I=5.0, i_offset=0.1)


@pytest.mark.parametrize("adex,lif", [(ADEX[0], "IF_cond_exp"), (ADEX[1], "IF_cond_alpha")])
@pytest.mark.parametrize("tau_refrac", [0.0, 2.0])
def test_adex_reduces_to_if_cond(adex, lif, tau_refrac):
    T, dt = 500.0, 0.1
    p = dict(COMMON_LIF, tau_refrac=tau_refrac)
    inputs = poisson_inputs(5, T, dt, 10, 120.0, 0.006, 5, 60.0, 0.01)
    a, sa, _ = run(sim, getattr(sim, adex)(delta_T=0.0, a=0.0, b=0.0, **p), T, dt, inputs,
                   init=dict(v=-70.6))
    b, sb, _ = run(sim, getattr(sim, lif)(**p), T, dt, inputs, init=dict(v=-70.6))
    assert len(sb) > 20
    assert np.array_equal(sa, sb)
    assert np.max(np.abs(a["v"] - b["v"])) <= 1e-9


def test_gsfa_grr_reduces_to_if_cond_exp():
    T, dt = 500.0, 0.1
    p = dict(i_offset=0.5, tau_refrac=1.0)
    inputs = poisson_inputs(6, T, dt, 10, 120.0, 0.02, 5, 60.0, 0.01)
    a, sa, _ = run(sim, sim.IF_cond_exp_gsfa_grr(q_sfa=0.0, q_rr=0.0, **p), T, dt, inputs,
                   record=("v", "gsyn_exc"))
    b, sb, _ = run(sim, sim.IF_cond_exp(**p), T, dt, inputs, record=("v", "gsyn_exc"))
    assert len(sb) > 20
    assert np.array_equal(sa, sb)
    assert np.max(np.abs(a["v"] - b["v"])) <= 1e-9
    assert np.array_equal(a["gsyn_exc"], b["gsyn_exc"])


def test_facets_hardware1_is_if_cond_exp():
    T, dt = 300.0, 0.1
    p = dict(g_leak=25.0, tau_syn_E=10.0, tau_syn_I=20.0, v_reset=-75.0, e_rev_I=-85.0,
             v_rest=-62.0, v_thresh=-54.0)
    inputs = poisson_inputs(7, T, dt, 10, 120.0, 0.004, 5, 60.0, 0.004)
    a, sa, _ = run(sim, sim.IF_facets_hardware1(**p), T, dt, inputs, init=dict(v=-62.0))
    equivalent = dict(cm=0.2, tau_refrac=1.0, e_rev_E=0.0, i_offset=0.0,
                      tau_m=200.0 / p["g_leak"],
                      **{k: p[k] for k in p if k != "g_leak"})
    b, sb, _ = run(sim, sim.IF_cond_exp(**equivalent), T, dt, inputs, init=dict(v=-62.0))
    assert len(sb) > 5
    assert np.array_equal(sa, sb)
    assert np.array_equal(a["v"], b["v"])


def test_facets_hardware1_parameters():
    sim.setup(timestep=0.1)
    pop = sim.Population(3, sim.IF_facets_hardware1(g_leak=[20.0, 40.0, 50.0], v_rest=-60.0))
    assert np.allclose(pop.get("g_leak"), [20.0, 40.0, 50.0], rtol=1e-14)
    assert pop.get("v_rest") == -60.0 and pop.get("tau_syn_E") == 30.0
    pop.set(g_leak=80.0)
    assert np.allclose(pop.get("g_leak"), 80.0, rtol=1e-14)
    # the fixed parameters reached the kernel
    for name, value in (("cm", 0.2), ("tau_refrac", 1.0), ("e_rev_E", 0.0), ("i_offset", 0.0)):
        assert np.all(pop._get_native_parameters(name)[name] == value)
    assert np.allclose(pop._get_native_parameters("tau_m")["tau_m"], 200.0 / 80.0)
    sim.end()


# --------------------------------------------------------------------------
# recordables, initial values, parameters
# --------------------------------------------------------------------------

RECORDABLES = {
    "EIF_cond_exp_isfa_ista": {"v": "mV", "w": "nA", "gsyn_exc": "uS", "gsyn_inh": "uS"},
    "EIF_cond_alpha_isfa_ista": {"v": "mV", "w": "nA", "gsyn_exc": "uS", "gsyn_inh": "uS"},
    "Izhikevich": {"v": "mV", "u": "mV/ms"},
    "IF_cond_exp_gsfa_grr": {"v": "mV", "g_r": "nS", "g_s": "nS", "gsyn_exc": "uS",
                             "gsyn_inh": "uS"},
    "IF_facets_hardware1": {"v": "mV", "gsyn_exc": "uS", "gsyn_inh": "uS"},
}


@pytest.mark.parametrize("model", sorted(RECORDABLES))
def test_recordables_units_and_initial_values(model):
    cls = getattr(sim, model)
    assert set(cls.recordable) == set(RECORDABLES[model]) | {"spikes"}
    sim.setup(timestep=0.1)
    pop = sim.Population(2, cls())
    pop.record(list(RECORDABLES[model]))
    sim.run(5.0)
    seg = pop.get_data().segments[0]
    for name, unit in RECORDABLES[model].items():
        sig = seg.filter(name=name)[0]
        assert sig.units.dimensionality.string.replace("µ", "u") == unit, (name, sig.units)
        assert sig.shape == (51, 2)
        assert np.allclose(np.asarray(sig.magnitude)[0], cls.default_initial_values[name])
    # the kernel's defaults are PyNN's
    names = list(cls.default_parameters)
    for name, got in zip(names, pop.get(names)):
        assert np.allclose(got, cls.default_parameters[name], rtol=1e-14), name
    sim.end()


def test_adex_w_and_gsfa_conductances_respond():
    """w jumps by b at each spike and relaxes with tau_w; g_s and g_r jump by
    q_sfa and q_rr (nS) at each spike."""
    sim.setup(timestep=0.1)
    adex = sim.Population(1, sim.EIF_cond_exp_isfa_ista(i_offset=1.0))
    grr = sim.Population(1, sim.IF_cond_exp_gsfa_grr(i_offset=2.0))
    adex.record(["w", "spikes"])
    grr.record(["g_r", "g_s", "spikes"])
    sim.run(100.0)
    w = adex.get_data().segments[0].filter(name="w")[0].magnitude[:, 0]
    n_adex = len(adex.get_data().segments[0].spiketrains[0])
    seg = grr.get_data().segments[0]
    g_s = seg.filter(name="g_s")[0].magnitude[:, 0]
    g_r = seg.filter(name="g_r")[0].magnitude[:, 0]
    t_grr = np.asarray(seg.spiketrains[0].magnitude)
    sim.end()
    assert n_adex >= 3 and w.max() > 0.0805 * 2
    assert len(t_grr) >= 3
    k = int(round(t_grr[0] / 0.1))
    assert g_s[k] == pytest.approx(15.0) and g_r[k] == pytest.approx(3000.0)


BAD_AT_CREATION = [
    ("EIF_cond_exp_isfa_ista", dict(cm=0.0), "cm"),
    ("EIF_cond_exp_isfa_ista", dict(tau_m=-5.0), "tau_m"),
    ("EIF_cond_alpha_isfa_ista", dict(tau_w=0.0), "tau_w"),
    ("EIF_cond_alpha_isfa_ista", dict(delta_T=-1.0), "delta_T"),
    ("EIF_cond_exp_isfa_ista", dict(tau_syn_E=0.0), "tau_syn_E"),
    ("EIF_cond_exp_isfa_ista", dict(tau_refrac=-0.1), "tau_refrac"),
    ("IF_cond_exp_gsfa_grr", dict(tau_sfa=0.0), "tau_sfa"),
    ("IF_cond_exp_gsfa_grr", dict(tau_rr=-1.0), "tau_rr"),
    ("IF_cond_exp_gsfa_grr", dict(q_rr=-1.0), "q_rr"),
    ("IF_cond_exp_gsfa_grr", dict(cm=-1.0), "cm"),
    ("IF_facets_hardware1", dict(g_leak=0.0), "g_leak"),
    ("IF_facets_hardware1", dict(g_leak=-40.0), "g_leak"),
    ("IF_facets_hardware1", dict(tau_syn_E=0.0), "tau_syn_E"),
]

BAD_AT_RUN = [
    ("EIF_cond_exp_isfa_ista", dict(v_reset=-30.0), "v_reset"),            # >= v_spike
    ("EIF_cond_alpha_isfa_ista", dict(v_spike=-60.0), "v_spike"),          # < v_thresh
    ("EIF_cond_exp_isfa_ista", dict(delta_T=0.0, v_reset=-45.0), "v_reset"),  # >= v_thresh
    ("EIF_cond_exp_isfa_ista", dict(delta_T=0.01, v_spike=0.0), "delta_T"),   # overflow
    ("Izhikevich", dict(c=30.0), "c"),
    ("IF_cond_exp_gsfa_grr", dict(v_reset=-50.0), "v_reset"),
    ("IF_facets_hardware1", dict(v_reset=-50.0), "v_reset"),
]


@pytest.mark.parametrize("model,params,name", BAD_AT_CREATION)
def test_bad_parameter_values(model, params, name):
    sim.setup(timestep=0.1)
    with pytest.raises(errors.InvalidParameterValueError, match=name):
        sim.Population(2, getattr(sim, model)(**params))
    pop = sim.Population(2, getattr(sim, model)())
    with pytest.raises(errors.InvalidParameterValueError, match=name):
        pop.set(**params)
    sim.end()


@pytest.mark.parametrize("model,params,name", BAD_AT_RUN)
def test_bad_parameter_combinations(model, params, name):
    sim.setup(timestep=0.1)
    sim.Population(2, getattr(sim, model)(**params))
    with pytest.raises(errors.InvalidParameterValueError, match=name):
        sim.run(1.0)
    sim.end()


def test_delta_t_zero_ignores_v_spike():
    sim.setup(timestep=0.1)
    pop = sim.Population(1, sim.EIF_cond_exp_isfa_ista(delta_T=0.0, v_spike=-60.0,
                                                       i_offset=1.0))
    pop.record(["spikes", "v"])
    sim.run(50.0)
    seg = pop.get_data().segments[0]
    assert len(seg.spiketrains[0]) > 0                 # threshold v_thresh = -50.4
    assert seg.filter(name="v")[0].magnitude.max() < -50.4
    sim.end()


# --------------------------------------------------------------------------
# other simulators
# --------------------------------------------------------------------------

def _import(name):
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return __import__(f"pyNN.{name}", fromlist=["setup"])
    except Exception as err:  # ImportError, failed NMODL compilation, ...
        pytest.skip(f"pyNN.{name} cannot be imported: {err}")


XSIM_T, XSIM_DT = 300.0, 0.1


def xsim_inputs(weight):
    rng = np.random.default_rng(2)
    n_steps = int(XSIM_T / XSIM_DT)
    trains = [np.sort(rng.choice(np.arange(10, n_steps - 1), 60, replace=False))
              for _ in range(5)]
    return [(trains, [weight] * 5, "excitatory")]


def xsim_case(model):
    """(celltype name, parameters, input weight, recorded, initial values)"""
    if model in ADEX:
        return dict(i_offset=0.25), 0.01, ("v", "w"), dict(v=-70.6, w=0.0)
    if model == "Izhikevich":
        return dict(i_offset=0.005), 3.0, ("v", "u"), dict(v=-70.0, u=-14.0)
    if model == "IF_cond_exp_gsfa_grr":
        return dict(i_offset=0.6), 0.01, ("v",), dict(v=-65.0)
    return {}, 0.01, ("v",), dict(v=-65.0)


def xsim_run(backend, model):
    params, weight, record, init = xsim_case(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(backend, getattr(backend, model)(**params), XSIM_T, XSIM_DT,
                   xsim_inputs(weight), record=record, init=init)


def xsim_reference(model, jumps):
    params, *_ = xsim_case(model)
    if model in ADEX:
        v, _, _, t = ref.adex(params, XSIM_T, XSIM_DT, jumps, alpha="alpha" in model)
    elif model == "Izhikevich":
        v, _, t = ref.izhikevich(params, XSIM_T, XSIM_DT, izh_jumps(jumps))
    else:
        v, _, _, t = ref.gsfa_grr(params, XSIM_T, XSIM_DT, jumps, v0=-65.0)
    return v, t


def before(t, t_first, margin=1.0):
    return np.arange(len(t)) * XSIM_DT < t_first - margin


@pytest.mark.parametrize("model", ADEX)
def test_adex_vs_nest(model):
    nest = _import("nest")
    a, sa, jumps = xsim_run(sim, model)
    b, sb, _ = xsim_run(nest, model)
    v_ref, t_c = xsim_reference(model, jumps)
    check_spikes(sa, t_c, XSIM_DT, model)
    early = before(v_ref, t_c[0])
    assert np.max(np.abs(a["v"][early] - b["v"][early])) < 1e-6
    # NEST's spikes agree until its first slip (measured at spike 17 of 50,
    # exp, and spike 56 of 134, alpha); each slip is NEST's: the reference
    # puts that spike where Ranvier does (checked above).
    n = min(len(sa), len(sb))
    same = np.abs(sa[:n] - sb[:n]) < 1e-9
    first_slip = n if same.all() else int(np.argmin(same))
    print(f"\n{model} vs NEST: {first_slip} first spikes identical of {len(sa)}; "
          f"NEST {len(sb)} spikes")
    assert first_slip >= 10
    assert abs(len(sa) - len(sb)) <= 0.1 * len(sa)


@pytest.mark.parametrize("model", ADEX)
def test_adex_vs_neuron(model):
    nrn = _import("neuron")
    a, sa, jumps = xsim_run(sim, model)
    b, sb, _ = xsim_run(nrn, model)
    v_ref, t_c = xsim_reference(model, jumps)
    early = before(v_ref, t_c[0])
    err_nrn = np.max(np.abs(b["v"][early] - v_ref[early]))
    err_rv = np.max(np.abs(a["v"][early] - v_ref[early]))
    print(f"\n{model} before the first spike: NEURON off by {err_nrn:.2g} mV, "
          f"Ranvier by {err_rv:.2g} mV; spikes NEURON {len(sb)}, Ranvier {len(sa)}, "
          f"reference {len(t_c)}")
    # NEURON's fixed-step first-order integration is the one that is off
    assert err_rv < 1e-5 < 0.01 < err_nrn < 0.5
    assert abs(sb[0] - t_c[0]) < 0.2
    assert len(sa) == len(t_c)


def xsim_run_in_subprocess(backend, model):
    """xsim_run in a fresh interpreter.  pyNN.neuron's Izhikevich cell keeps
    a spike-detecting NetCon of delay 0 in NEURON, which outlives sim.end():
    every later fixed-step run in the same process then fails ("mindelay is
    0"), so this one runs apart, not to break other test modules."""
    code = ("import sys, numpy as np; sys.path.insert(0, sys.argv[1]); "
            "import test_models_adex_izh as t; "
            f"b = t._import({backend!r}); sig, sp, _ = t.xsim_run(b, {model!r}); "
            "np.savez(sys.argv[2], v=sig['v'], spikes=sp)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.npz")
        proc = subprocess.run([sys.executable, "-c", code, os.path.dirname(__file__), out],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            pytest.skip(f"pyNN.{backend} run failed: {proc.stderr[-500:]}")
        data = np.load(out)
        return {"v": data["v"]}, data["spikes"], None


def test_izhikevich_vs_nest_and_neuron():
    nest = _import("nest")
    a, sa, jumps = xsim_run(sim, "Izhikevich")
    v_ref, t_c = xsim_reference("Izhikevich", jumps)
    check_spikes(sa, t_c, XSIM_DT, "Izhikevich")
    early = before(v_ref, t_c[0])
    err_rv = np.max(np.abs(a["v"][early] - v_ref[early]))
    assert err_rv < 1e-5
    for name, v_tol, t_tol in (("NEST", 1.0, 0.5), ("NEURON", 5.0, 2.0)):
        if name == "NEST":
            b, sb, _ = xsim_run(nest, "Izhikevich")
        else:
            b, sb, _ = xsim_run_in_subprocess("neuron", "Izhikevich")
        err = np.max(np.abs(b["v"][early] - v_ref[early]))
        print(f"\nIzhikevich before the first spike: {name} off by {err:.2g} mV "
              f"(Ranvier {err_rv:.2g}); first spikes {name} {np.round(sb[:5], 2)}, "
              f"reference {np.round(t_c[:5], 3)}")
        # both are first-order methods at dt: off, but close in the first spikes
        assert 100 * err_rv < err < v_tol
        assert np.all(np.abs(sb[:5] - t_c[:5]) < t_tol)


def test_gsfa_grr_vs_neuron_and_nest():
    nrn = _import("neuron")
    a, sa, jumps = xsim_run(sim, "IF_cond_exp_gsfa_grr")
    b, sb, _ = xsim_run(nrn, "IF_cond_exp_gsfa_grr")
    v_ref, t_ref = xsim_reference("IF_cond_exp_gsfa_grr", jumps)
    assert np.array_equal(np.round(sa / XSIM_DT), np.round(t_ref / XSIM_DT))
    early = before(v_ref, t_ref[0])
    err = np.max(np.abs(b["v"][early] - v_ref[early]))
    print(f"\nIF_cond_exp_gsfa_grr: NEURON off by {err:.2g} mV before the first spike; "
          f"spike differences {np.round(sb[:len(sa)] - sa[:len(sb)], 2)}")
    # NEURON (fixed step, first order) is off; its spikes come up to 2 steps early
    assert len(sb) == len(sa)
    assert err < 0.1
    assert np.all(np.abs(sb - sa) < 2 * XSIM_DT + 1e-9)
    # pyNN.nest 0.13 maps g_r/g_s to NEST's g_rr/g_sfa in variable_map but
    # the initial values keep PyNN's names: creating the Population fails
    # (KeyError 'g_r'), so NEST is not compared here.


def test_facets_hardware1_vs_nest_and_neuron():
    nest = _import("nest")
    nrn = _import("neuron")
    a, sa, jumps = xsim_run(sim, "IF_facets_hardware1")
    b, sb, _ = xsim_run(nest, "IF_facets_hardware1")
    c, sc, _ = xsim_run(nrn, "IF_facets_hardware1")
    # the reference: IF_cond_exp with the fixed parameters (gsfa_grr, q = 0)
    fixed = dict(cm=0.2, tau_refrac=1.0, e_rev_E=0.0, i_offset=0.0, tau_m=200.0 / 40.0,
                 tau_syn_E=30.0, tau_syn_I=30.0, v_reset=-80.0, e_rev_I=-80.0, v_rest=-65.0,
                 v_thresh=-55.0, q_sfa=0.0, q_rr=0.0)
    _, _, _, t_ref = ref.gsfa_grr(fixed, XSIM_T, XSIM_DT, jumps, v0=-65.0)
    assert len(sa) > 100
    assert np.array_equal(np.round(sa / XSIM_DT), np.round(t_ref / XSIM_DT))
    assert len(sa) == len(sb) and np.allclose(sa, sb, rtol=0, atol=1e-9)
    assert np.max(np.abs(a["v"] - b["v"])) < 0.01   # NEST's RKF45 tolerance
    # NEURON (fixed step, first order) agrees for the first 13 spikes, then
    # drifts: 218 spikes instead of 219, up to 0.6 ms from the reference
    nearest = np.min(np.abs(sc[:, None] - t_ref[None, :]), axis=1)
    print(f"\nIF_facets_hardware1: NEURON {len(sc)} spikes, reference {len(t_ref)}; "
          f"each NEURON spike within {nearest.max():.2g} ms of a reference spike")
    assert np.allclose(sa[:10], sc[:10], rtol=0, atol=1e-9)
    assert abs(len(sc) - len(sa)) <= 2 and nearest.max() < 1.0
