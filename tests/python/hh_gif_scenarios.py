"""
Single-neuron PyNN scripts for HH_cond_exp and GIF_cond_exp that
test_models_hh_gif.py runs on Ranvier (in process) and on pyNN.nest and
pyNN.neuron (each in a subprocess, so that the simulators never share a
process).  Not a test module.

    python hh_gif_scenarios.py SIMULATOR OUT.npz

runs every scenario on SIMULATOR and saves the results as
<scenario>__<quantity> arrays.
"""

import sys

import numpy as np

# HH: a constant current below the repetitive-firing rheobase plus a few
# synaptic events (excitatory ones that trigger action potentials, an
# inhibitory one), weights in uS, delays 1 ms.
HH_I_OFFSET = 0.2
HH_EXC = [5.0, 7.0, 30.0, 31.0, 32.0, 60.0]
HH_INH = [45.0]
HH_W_EXC, HH_W_INH, HH_DELAY = 0.02, 0.05, 1.0
HH_T = 100.0

# GIF: PyNN's examples/gif_neuron.py, its two deterministic neurons (delta_v
# 1e-6 mV: a spike as soon as v >= v_t): 0 with a spike-triggered current
# only, 1 with a moving threshold only; DCSource 0.6 nA on [20, 280) ms.
GIF_PARAMS = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=4.0, tau_syn_E=5.0,
                  tau_syn_I=5.0, e_rev_E=0.0, e_rev_I=-70.0, v_reset=-65.0, v_t_star=-55.0,
                  lambda0=1.0, tau_eta=(1.0, 10.0, 100.0), tau_gamma=(1.0, 10.0, 100.0))
GIF_NEURONS = [dict(delta_v=1e-6, a_eta=(0.1, 0.1, 0.1), a_gamma=(0.0, 0.0, 0.0)),
               dict(delta_v=1e-6, a_eta=(0.0, 0.0, 0.0), a_gamma=(5.0, 5.0, 5.0))]
GIF_DC = (20.0, 280.0, 0.6)
GIF_T = 300.0


def run_hh(sim, dt, initial=None):
    """One HH_cond_exp neuron; returns (v at every step, spike times)."""
    sim.setup(timestep=dt, min_delay=dt)
    cell = sim.Population(1, sim.HH_cond_exp(i_offset=HH_I_OFFSET))
    cell.initialize(**dict({"v": -64.0}, **(initial or {})))
    for times, weight, receptor in ((HH_EXC, HH_W_EXC, "excitatory"),
                                    (HH_INH, HH_W_INH, "inhibitory")):
        src = sim.Population(1, sim.SpikeSourceArray(spike_times=times))
        sim.Projection(src, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=weight, delay=HH_DELAY), receptor_type=receptor)
    cell.record(["v", "spikes"])
    sim.run(HH_T)
    seg = cell.get_data().segments[0]
    v = np.asarray(seg.filter(name="v")[0].magnitude)[:, 0].copy()
    spikes = np.asarray(seg.spiketrains[0].magnitude).copy()
    sim.end()
    return v, spikes


def run_gif(sim, dt):
    """The two deterministic GIF_cond_exp neurons; returns v, i_eta, v_t
    (steps x 2) and the spike times of each."""
    sim.setup(timestep=dt, min_delay=1.0)
    per_neuron = {k: [n[k] for n in GIF_NEURONS] for k in GIF_NEURONS[0]}
    cells = sim.Population(2, sim.GIF_cond_exp(**dict(GIF_PARAMS, **per_neuron)),
                           initial_values={"v": -65.0, "v_t": -55.0})
    start, stop, amplitude = GIF_DC
    sim.DCSource(start=start, stop=stop, amplitude=amplitude).inject_into(cells)
    cells.record(["v", "i_eta", "v_t", "spikes"])
    sim.run(GIF_T)
    seg = cells.get_data().segments[0]
    out = {name: np.asarray(seg.filter(name=name)[0].magnitude).copy()
           for name in ("v", "i_eta", "v_t")}
    for j, st in enumerate(seg.spiketrains):
        out["spikes%d" % j] = np.asarray(st.magnitude).copy()
    sim.end()
    return out


def run_all(sim):
    out = {}
    for dt in (0.1, 0.01):
        v, spikes = run_hh(sim, dt)
        out["hh_%g__v" % dt], out["hh_%g__spikes" % dt] = v, spikes
    for key, value in run_gif(sim, 0.01).items():
        out["gif_0.01__" + key] = value
    return out


if __name__ == "__main__":
    name, path = sys.argv[1], sys.argv[2]
    if name == "nest":
        import pyNN.nest as simulator
    elif name == "neuron":
        import pyNN.neuron as simulator
    else:
        raise SystemExit("unknown simulator %r" % name)
    np.savez(path, **run_all(simulator))
