"""
Cross-check of the NeuroML export: a Vogels-Abbott-like network (IF_cond_exp,
80 % excitatory, Poisson drive) is built in pyNN.ranvier, exported to
NeuroML 2 + LEMS, run in Ranvier and, from the exported file alone, in
jNeuroML (jLEMS, through pyNeuroML), or with --simulator neuron in NEURON
from jNeuroML's NEURON export of the LEMS file (`jnml -neuron`: mod files
and a Python script, compiled by NEURON's nrnivmodl: jneuroml_neuron.py).  Prints the mean
rates of both and Ranvier's rate over several seeds (the spread that two
simulators with different random streams are to be judged by).  With
--plastic (jLEMS only), E->E is an STDP synapse (SpikePairRule, additive,
dendritic_delay_fraction 0) and I->E a Tsodyks-Markram synapse
(RanvierSynapses.xml in jLEMS); the mean E->E weight at the end over the
synapses onto the first 40 E cells is printed for both.  Figures only, no
pass/fail.  The populations are called exc and inh: NEURON's hoc has a
constant E.

    python bench/exchange_crosscheck.py [--n 400] [--duration 1000] [--seeds 5] [--plastic]
                                        [--simulator jlems|neuron]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np


SAMPLED_POST = 40      # the E cells whose incoming E->E weights are compared


def build(sim, n, seed, plastic=False):
    from pyNN.random import NumpyRNG, RandomDistribution
    sim.setup(timestep=0.1, min_delay=0.5, rng_seed=seed)
    rng = NumpyRNG(seed=seed)
    n_e = n * 4 // 5
    cell = sim.IF_cond_exp(tau_m=20.0, tau_refrac=5.0, v_rest=-60.0, v_reset=-60.0,
                           v_thresh=-50.0, tau_syn_E=5.0, tau_syn_I=10.0, cm=0.2,
                           e_rev_E=0.0, e_rev_I=-80.0)
    v0 = RandomDistribution("uniform", (-60.0, -50.0), rng=rng)
    E = sim.Population(n_e, cell, initial_values={"v": v0}, label="exc")
    I = sim.Population(n - n_e, cell, initial_values={"v": v0}, label="inh")
    drive = sim.Population(100, sim.SpikeSourcePoisson(rate=20.0, duration=1e6), label="drive")
    conn = sim.FixedProbabilityConnector(0.05, rng=rng)
    exc = sim.StaticSynapse(weight=0.004, delay=0.5)
    inh = sim.StaticSynapse(weight=0.051, delay=0.5)
    ee, ie = exc, inh
    if plastic:
        ee = sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                                A_minus=0.012),
            weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=0.008),
            weight=0.004, delay=0.5, dendritic_delay_fraction=0.0)
        ie = sim.TsodyksMarkramSynapse(U=0.2, tau_rec=200.0, tau_facil=0.0, weight=0.8,
                                       delay=0.5)
    for pre, post, syn, rec, label in ((E, E, ee, "excitatory", "EE"),
                                       (E, I, exc, "excitatory", "EI"),
                                       (I, E, ie, "inhibitory", "IE"),
                                       (I, I, inh, "inhibitory", "II")):
        sim.Projection(pre, post, conn, syn, receptor_type=rec, label=label)
    for post, label in ((E, "driveE"), (I, "driveI")):
        sim.Projection(drive, post, sim.FixedProbabilityConnector(0.1, rng=rng),
                       sim.StaticSynapse(weight=0.006, delay=1.0), label=label)
    E.record("spikes")
    I.record("spikes")
    return E, I


def rates(counts, sizes, duration):
    return {k: counts[k] / sizes[k] / (duration / 1000.0) for k in counts}


LABELS = {"E": "exc", "I": "inh"}


def run_jlems(folder):
    from pyneuroml import pynml
    return pynml.run_lems_with_jneuroml(os.path.join(folder, "LEMS_va.xml"), nogui=True,
                                        load_saved_data=False, exec_in_dir=folder,
                                        max_memory="2G", verbose=False)


def run_neuron(folder):
    from jneuroml_neuron import run_neuron as run
    ok, output = run(os.path.join(folder, "LEMS_va.xml"))
    if not ok:
        print(output[-3000:])
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--duration", type=float, default=1000.0)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--plastic", action="store_true")
    ap.add_argument("--simulator", choices=("jlems", "neuron"), default="jlems")
    args = ap.parse_args()
    if args.plastic and args.simulator == "neuron":
        ap.error("--plastic runs in jLEMS only: jNeuroML's NEURON export cannot translate "
                 "Ranvier's STDP type (state changed only at events, the weight read at the "
                 "start, per-step conditions)")
    import pyNN.ranvier as sim
    folder = tempfile.mkdtemp(prefix="crosscheck-")
    sizes = {"E": args.n * 4 // 5, "I": args.n - args.n * 4 // 5}
    ranvier_rates = []
    for seed in range(1, args.seeds + 1):
        E, I = build(sim, args.n, seed, args.plastic)
        if seed == 1:
            nml = sim.export(os.path.join(folder, "va.net.nml"), duration=args.duration)
            if args.plastic:
                columns = _weight_columns(folder)
        sim.run(args.duration)
        counts = {k: sum(p.get_spike_counts().values()) for k, p in (("E", E), ("I", I))}
        ranvier_rates.append(rates(counts, sizes, args.duration))
        if seed == 1 and args.plastic:
            ee = sim.simulator.state.projections[0]
            conns = np.array(ee.get("weight", format="list"))
            ranvier_w = conns[conns[:, 1] < SAMPLED_POST, 2]
    print("Ranvier, %d seeds: E %s Hz, I %s Hz" % (
        args.seeds, " ".join("%.2f" % r["E"] for r in ranvier_rates),
        " ".join("%.2f" % r["I"] for r in ranvier_rates)))
    for pop in ("E", "I"):
        x = np.array([r[pop] for r in ranvier_rates])
        print("  %s: mean %.2f Hz, sd across seeds %.2f Hz" % (pop, x.mean(), x.std(ddof=1)))
    name = {"jlems": "jNeuroML (jLEMS)", "neuron": "NEURON (jnml -neuron)"}[args.simulator]
    t0 = time.perf_counter()
    ok = (run_jlems if args.simulator == "jlems" else run_neuron)(folder)
    t1 = time.perf_counter()
    if not ok:
        print(name, "failed")
        return 1
    counts = {}
    for pop in ("E", "I"):
        table = np.loadtxt(os.path.join(folder, "%s.spikes" % LABELS[pop]), ndmin=2)
        counts[pop] = table.shape[0]
    r = rates(counts, sizes, args.duration)
    print("%s from %s, seed 1, %.1f s: E %.2f Hz, I %.2f Hz"
          % (name, os.path.basename(nml), t1 - t0, r["E"], r["I"]))
    for pop in ("E", "I"):
        print("  %s: Ranvier seed 1 %.2f Hz vs %s %.2f Hz (%+.1f %%)"
              % (pop, ranvier_rates[0][pop], args.simulator, r[pop],
                 100 * (r[pop] - ranvier_rates[0][pop]) / max(ranvier_rates[0][pop], 1e-9)))
    if args.plastic:
        last = np.loadtxt(os.path.join(folder, "ee_weights.dat"), ndmin=2)[-1, 1:]
        print("  E->E weight onto E[0:%d] (%d synapses, from 0.004 uS): Ranvier seed 1 mean "
              "%.6f uS, jLEMS %.6f uS (%+.2f %%)"
              % (SAMPLED_POST, ranvier_w.size, ranvier_w.mean(), last.mean(),
                 100 * (last.mean() - ranvier_w.mean()) / ranvier_w.mean()))
        assert last.size == ranvier_w.size
    return 0


def _weight_columns(folder):
    """Adds to the exported LEMS file an output of the weight w of every E->E
    synapse onto E[0:SAMPLED_POST] (jLEMS names a cell's synapses of one
    component synapses:<id>:<k>, k = 0, 1, ...)."""
    import xml.etree.ElementTree as ET
    from neuroml.loaders import read_neuroml2_file
    net = read_neuroml2_file(os.path.join(folder, "va.net.nml")).networks[0]
    proj = next(p for p in net.projections if p.id == "EE")
    exc = LABELS["E"]
    per_cell = {}
    for c in proj.connection_wds:
        per_cell[c.get_post_cell_id()] = per_cell.get(c.get_post_cell_id(), 0) + 1
    lems = os.path.join(folder, "LEMS_va.xml")
    tree = ET.parse(lems)
    sim_el = tree.getroot().find("Simulation")
    of = ET.SubElement(sim_el, "OutputFile", id="ee_weights", fileName="ee_weights.dat")
    comp = next(p.component for p in net.populations if p.id == exc)
    for j in range(SAMPLED_POST):
        for k in range(per_cell.get(j, 0)):
            ET.SubElement(of, "OutputColumn", id="w_%d_%d" % (j, k),
                          quantity="%s/%d/%s/synapses:%s:%d/w" % (exc, j, comp, proj.synapse,
                                                                   k))
    tree.write(lems)
    return sum(per_cell.get(j, 0) for j in range(SAMPLED_POST))


if __name__ == "__main__":
    sys.exit(main())
