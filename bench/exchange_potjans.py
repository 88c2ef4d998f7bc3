"""
The Potjans-Diesmann microcircuit (examples/potjans2014.py) through SONATA
and NeuroML (XML, and the HDF5 form): build in pyNN.ranvier, export to each, run; import each file,
run again; compare the spikes (bit for bit) and print sizes, export,
import (read + build) and run times, and rates; then `ranvier run FILE` on
each (wall time, and whether the spikes it writes are the reference's).
Figures only.

    python bench/exchange_potjans.py [--scale 0.1] [--tstop 1000] [--input poisson]
                                     [--formats sonata,neuroml,nml-hdf5]
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

from exchange_output import command_spikes, export_all

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--input", default="poisson")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--formats", default="sonata,neuroml,nml-hdf5")
    ap.add_argument("--folder", default=None)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans2014 as pd
    import pyNN.ranvier as sim
    from ranvier import exchange
    folder = pathlib.Path(args.folder or tempfile.mkdtemp(prefix="potjans-exchange-"))
    files = {"sonata": folder / "sonata" / "circuit_config.json",
             "neuroml": folder / "neuroml" / "potjans.net.nml",
             "nml-hdf5": folder / "nml-hdf5" / "potjans.net.nml.h5"}
    files = {k: files[k] for k in args.formats.split(",")}
    sim.setup(timestep=pd.DT, min_delay=pd.MIN_DELAY, threads=args.threads)
    t0 = time.perf_counter()
    pops, projs = pd.build_network(sim, args.scale, args.scale, args.input)
    t1 = time.perf_counter()
    n_syn = sum(len(p) for p in sim.simulator.state.projections)
    print("scale %g: %d neurons, %d synapses, %g ms; build %.1f s"
          % (args.scale, sum(p.size for p in pops.values()), n_syn, args.tstop, t1 - t0))
    export_s = export_all(sim, files, args.tstop)
    t0 = time.perf_counter()
    sim.run(args.tstop)
    print("run %.1f s" % (time.perf_counter() - t0))
    ref = {}
    for name, p in pops.items():
        ids, times = p.recorder._get_spiketimes(p.all_cells)
        idx = np.asarray(ids) - int(p.first_id)
        order = np.lexsort((idx, times))
        ref[name] = (idx[order], np.asarray(times)[order])
    sim.end()
    ok = True
    for fmt, path in files.items():
        run_file = path.parent / ("simulation_config.json" if fmt == "sonata"
                                  else "LEMS_potjans.xml")
        size = sum(f.stat().st_size for f in path.parent.rglob("*") if f.is_file())
        t0 = time.perf_counter()
        model = exchange.read(str(run_file))
        t1 = time.perf_counter()
        built = exchange.build(model, threads=args.threads)
        t2 = time.perf_counter()
        built.run()
        t3 = time.perf_counter()
        got = built.spikes()
        same = all(np.array_equal(ref[k][0], got[k][0]) and np.array_equal(ref[k][1], got[k][1])
                   for k in ref)
        ok &= same
        print("%-8s export %.1f s, %.1f MB; import: read %.1f s, build %.1f s; run %.1f s; "
              "spikes bit-identical after the round trip: %s"
              % (fmt, export_s[fmt], size / 1e6, t1 - t0, t2 - t1, t3 - t2, same))
        print("  " + ", ".join("%s %.2f Hz" % (name, got[name][0].size / model.population(
            name).record["spikes"].size / (args.tstop / 1000.0)) for name in pd.POPULATIONS))
        sim.end()
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run",
                                 str(run_file), "--quiet"], capture_output=True, text=True)
        t1 = time.perf_counter()
        same = result.returncode == 0 and all(command_spikes(fmt, path.parent, k, ref[k])
                                              for k in ref)
        ok &= same
        print("  ranvier run %s: %.1f s wall, exit %d, spikes bit-identical: %s"
              % (run_file.name, t1 - t0, result.returncode, same))
    print("files in", folder)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
