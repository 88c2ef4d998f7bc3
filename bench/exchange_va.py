"""
The Vogels-Abbott COBA benchmark network (bench/vogels_abbott.py: 4000
cells, PyNN's VAbenchmarks), static and with STDP on E->E
(bench/plastic_network.py's rule, with dendritic_delay_fraction 0 so that
NeuroML can express it), through SONATA and NeuroML (XML and the HDF5 form): export, run, import,
run again, compare spikes and learned weights bit for bit; export, import
(read + build) and run times, file sizes; then `ranvier run FILE` on each
(its wall time, and whether the spikes it writes are the reference's).
Figures only.

    python bench/exchange_va.py [--tstop 1000] [--variants static,plastic]
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plastic_network as pn  # noqa: E402
from exchange_output import command_spikes, export_all  # noqa: E402
import vogels_abbott as va  # noqa: E402


def spikes(pop):
    ids, t = pop.recorder._get_spiketimes(pop.all_cells)
    i = np.asarray(ids) - int(pop.first_id)
    o = np.lexsort((i, t))
    return i[o], np.asarray(t)[o]


def size_mb(paths):
    return sum(p.stat().st_size for p in paths if p.is_file()) / 1e6


def stdp_synapse(sim):
    return sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(**pn.STDP),
        weight_dependence=sim.AdditiveWeightDependence(w_min=pn.W_MIN, w_max=pn.W_MAX),
        weight=pn.W_EXC, delay=va.DELAY, dendritic_delay_fraction=0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--variants", default="static,plastic")
    args = ap.parse_args()
    import pyNN.ranvier as sim
    from ranvier import exchange
    root = pathlib.Path(tempfile.mkdtemp(prefix="va-exchange-"))
    for variant in args.variants.split(","):
        va.setup(sim, "COBA")
        exc, inh, prjs = va.build_network(
            sim, "COBA", e2e_synapse=stdp_synapse(sim) if variant == "plastic" else None)
        files = {"sonata": root / variant / "sonata" / "circuit_config.json",
                 "neuroml": root / variant / "neuroml" / "va.net.nml",
                 "nml-hdf5": root / variant / "nml-hdf5" / "va.net.nml.h5"}
        export_s = export_all(sim, files, args.tstop)
        t0 = time.perf_counter()
        sim.run(args.tstop)
        run_s = time.perf_counter() - t0
        ref = {"E": spikes(exc), "I": spikes(inh)}
        ref_w = np.asarray(prjs["e2e"].get("weight", format="list", with_address=False))
        n_syn = sum(len(p) for p in prjs.values())
        print("%s: %d cells, %d synapses, %g ms: run %.2f s; rates E %.2f I %.2f Hz; E->E mean "
              "weight %.6f uS" % (variant, exc.size + inh.size, n_syn, args.tstop, run_s,
                                  ref["E"][0].size / exc.size / (args.tstop / 1000.0),
                                  ref["I"][0].size / inh.size / (args.tstop / 1000.0),
                                  ref_w.mean()))
        sim.end()
        for fmt, path in files.items():
            run_file = path.parent / ("simulation_config.json" if fmt == "sonata"
                                      else "LEMS_va.xml")
            t0 = time.perf_counter()
            model = exchange.read(str(run_file))
            t1 = time.perf_counter()
            built = exchange.build(model)
            t2 = time.perf_counter()
            built.run()
            t3 = time.perf_counter()
            got = built.spikes()
            e_label, i_label = model.populations[0].label, model.populations[1].label
            same = all(np.array_equal(ref[k][j], got[lab][j]) for k, lab in
                       (("E", e_label), ("I", i_label)) for j in (0, 1))
            e2e = next(p for p in built.projections.values()
                       if p.pre.label == e_label and p.post.label == e_label)
            w = np.asarray(e2e.get("weight", format="list", with_address=False))
            print("  %-7s export %.2f s, %.1f MB (%d files); import: read %.2f s, build %.2f s; "
                  "run %.2f s; spikes bit-identical: %s; E->E weights bit-identical: %s"
                  % (fmt, export_s[fmt], size_mb(path.parent.rglob("*")),
                     sum(1 for p in path.parent.rglob("*") if p.is_file()), t1 - t0, t2 - t1,
                     t3 - t2, same, np.array_equal(ref_w, w)))
            sim.end()
            t0 = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run",
                                     str(run_file), "--quiet"], capture_output=True, text=True)
            t1 = time.perf_counter()
            same = result.returncode == 0 and all(
                command_spikes(fmt, path.parent, lab, ref[k])
                for k, lab in (("E", e_label), ("I", i_label)))
            print("          ranvier run %s: %.1f s wall, exit %d, spikes bit-identical: %s"
                  % (run_file.name, t1 - t0, result.returncode, same))
    print("files in", root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
