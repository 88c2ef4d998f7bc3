"""
The Vogels-Abbott COBA benchmark network (bench/vogels_abbott.py: 4000
cells, PyNN's VAbenchmarks), static and with STDP on E->E
(bench/plastic_network.py's rule), through SONATA and NeuroML: export,
run, import, run again, compare spikes and learned weights bit for bit.
Figures only.

    python bench/exchange_va.py [--tstop 1000]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plastic_network as pn  # noqa: E402
import vogels_abbott as va  # noqa: E402


def spikes(pop):
    ids, t = pop.recorder._get_spiketimes(pop.all_cells)
    i = np.asarray(ids) - int(pop.first_id)
    o = np.lexsort((i, t))
    return i[o], np.asarray(t)[o]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tstop", type=float, default=1000.0)
    args = ap.parse_args()
    import pyNN.ranvier as sim
    from ranvier import exchange
    root = tempfile.mkdtemp(prefix="va-exchange-")
    for variant in ("static", "plastic"):
        va.setup(sim, "COBA")
        exc, inh, prjs = va.build_network(
            sim, "COBA", e2e_synapse=pn.stdp_synapse(sim) if variant == "plastic" else None)
        folder = os.path.join(root, variant)
        t0 = time.perf_counter()
        sim.export(os.path.join(folder, "circuit_config.json"), format="sonata",
                   duration=args.tstop)
        t1 = time.perf_counter()
        try:
            sim.export(os.path.join(root, variant + ".net.nml"), duration=args.tstop)
            nml = "written"
        except exchange.ExchangeError as err:
            nml = "refused: " + str(err).split(": ", 1)[1][:110] + "..."
        sim.run(args.tstop)
        ref = {"E": spikes(exc), "I": spikes(inh)}
        ref_w = np.sort(np.asarray(prjs["e2e"].get("weight", format="list",
                                                   with_address=False)))
        t2 = time.perf_counter()
        built = exchange.load(os.path.join(folder, "simulation_config.json"))
        t3 = time.perf_counter()
        built.run()
        t4 = time.perf_counter()
        got = built.spikes()
        pops = [p for p in built.model.populations]
        e_label, i_label = pops[0].label, pops[1].label
        same = (np.array_equal(ref["E"][0], got[e_label][0])
                and np.array_equal(ref["E"][1], got[e_label][1])
                and np.array_equal(ref["I"][0], got[i_label][0])
                and np.array_equal(ref["I"][1], got[i_label][1]))
        e2e = next(p for p in built.projections.values()
                   if p.pre.label == e_label and p.post.label == e_label)
        w = np.sort(np.asarray(e2e.get("weight", format="list", with_address=False)))
        print("%s: %d synapses; SONATA export %.2f s, import %.2f s, run %.2f s; rates E %.2f "
              "I %.2f Hz; spikes bit-identical: %s; E->E weights identical: %s (mean %.6f uS)"
              % (variant, sum(len(p) for p in built.projections.values()), t1 - t0, t3 - t2,
                 t4 - t3, ref["E"][0].size / exc.size / (args.tstop / 1000.0),
                 ref["I"][0].size / inh.size / (args.tstop / 1000.0), same,
                 np.array_equal(ref_w, w), w.mean()))
        print("  NeuroML:", nml)
    print("files in", root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
