"""
Cross-check of the NeuroML export: a Vogels-Abbott-like network (IF_cond_exp,
80 % excitatory, Poisson drive) is built in pyNN.ranvier, exported to
NeuroML 2 + LEMS, run in Ranvier and, from the exported file alone, in
jNeuroML (jLEMS, through pyNeuroML).  Prints the mean rates of both and
Ranvier's rate over several seeds (the spread that two simulators with
different random streams are to be judged by).  Figures only, no pass/fail.

    python bench/exchange_crosscheck.py [--n 400] [--duration 1000] [--seeds 5]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np


def build(sim, n, seed):
    from pyNN.random import NumpyRNG, RandomDistribution
    sim.setup(timestep=0.1, min_delay=0.5, rng_seed=seed)
    rng = NumpyRNG(seed=seed)
    n_e = n * 4 // 5
    cell = sim.IF_cond_exp(tau_m=20.0, tau_refrac=5.0, v_rest=-60.0, v_reset=-60.0,
                           v_thresh=-50.0, tau_syn_E=5.0, tau_syn_I=10.0, cm=0.2,
                           e_rev_E=0.0, e_rev_I=-80.0)
    v0 = RandomDistribution("uniform", (-60.0, -50.0), rng=rng)
    E = sim.Population(n_e, cell, initial_values={"v": v0}, label="E")
    I = sim.Population(n - n_e, cell, initial_values={"v": v0}, label="I")
    drive = sim.Population(100, sim.SpikeSourcePoisson(rate=20.0, duration=1e6), label="drive")
    conn = sim.FixedProbabilityConnector(0.05, rng=rng)
    exc = sim.StaticSynapse(weight=0.004, delay=0.5)
    inh = sim.StaticSynapse(weight=0.051, delay=0.5)
    for pre, post, syn, rec in ((E, E, exc, "excitatory"), (E, I, exc, "excitatory"),
                                (I, E, inh, "inhibitory"), (I, I, inh, "inhibitory")):
        sim.Projection(pre, post, conn, syn, receptor_type=rec,
                       label=pre.label + post.label)
    for post in (E, I):
        sim.Projection(drive, post, sim.FixedProbabilityConnector(0.1, rng=rng),
                       sim.StaticSynapse(weight=0.006, delay=1.0), label="drive" + post.label)
    E.record("spikes")
    I.record("spikes")
    return E, I


def rates(counts, sizes, duration):
    return {k: counts[k] / sizes[k] / (duration / 1000.0) for k in counts}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--duration", type=float, default=1000.0)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    import pyNN.ranvier as sim
    folder = tempfile.mkdtemp(prefix="crosscheck-")
    sizes = {"E": args.n * 4 // 5, "I": args.n - args.n * 4 // 5}
    ranvier_rates = []
    for seed in range(1, args.seeds + 1):
        E, I = build(sim, args.n, seed)
        if seed == 1:
            nml = sim.export(os.path.join(folder, "va.net.nml"), duration=args.duration)
        sim.run(args.duration)
        counts = {p.label: sum(p.get_spike_counts().values()) for p in (E, I)}
        ranvier_rates.append(rates(counts, sizes, args.duration))
    print("Ranvier, %d seeds: E %s Hz, I %s Hz" % (
        args.seeds, " ".join("%.2f" % r["E"] for r in ranvier_rates),
        " ".join("%.2f" % r["I"] for r in ranvier_rates)))
    for pop in ("E", "I"):
        x = np.array([r[pop] for r in ranvier_rates])
        print("  %s: mean %.2f Hz, sd across seeds %.2f Hz" % (pop, x.mean(), x.std(ddof=1)))
    from pyneuroml import pynml
    lems = os.path.join(folder, "LEMS_va.xml")
    t0 = time.perf_counter()
    ok = pynml.run_lems_with_jneuroml(lems, nogui=True, load_saved_data=False,
                                      exec_in_dir=folder, max_memory="2G", verbose=False)
    t1 = time.perf_counter()
    if not ok:
        print("jNeuroML failed")
        return 1
    counts = {}
    for pop in ("E", "I"):
        table = np.loadtxt(os.path.join(folder, "%s.spikes" % pop), ndmin=2)
        counts[pop] = table.shape[0]
    r = rates(counts, sizes, args.duration)
    print("jNeuroML (jLEMS) from %s, seed 1, %.1f s: E %.2f Hz, I %.2f Hz"
          % (os.path.basename(nml), t1 - t0, r["E"], r["I"]))
    for pop in ("E", "I"):
        print("  %s: Ranvier seed 1 %.2f Hz vs jLEMS %.2f Hz (%+.1f %%)"
              % (pop, ranvier_rates[0][pop], r[pop],
                 100 * (r[pop] - ranvier_rates[0][pop]) / max(ranvier_rates[0][pop], 1e-9)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
