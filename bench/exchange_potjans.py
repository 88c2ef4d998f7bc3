"""
The Potjans-Diesmann microcircuit (examples/potjans2014.py) through SONATA:
build in pyNN.ranvier, export, run; import the files, run again; compare
the spikes (bit for bit) and print sizes, times and rates.  Figures only.

    python bench/exchange_potjans.py [--scale 0.1] [--tstop 1000] [--input poisson]
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--input", default="poisson")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--folder", default=None)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans2014 as pd
    import pyNN.ranvier as sim
    from ranvier import exchange
    folder = args.folder or tempfile.mkdtemp(prefix="potjans-sonata-")
    sim.setup(timestep=pd.DT, min_delay=pd.MIN_DELAY, threads=args.threads)
    t0 = time.perf_counter()
    pops, projs = pd.build_network(sim, args.scale, args.scale, args.input)
    t1 = time.perf_counter()
    path = sim.export(os.path.join(folder, "circuit_config.json"), format="sonata",
                      duration=args.tstop)
    t2 = time.perf_counter()
    size = sum(f.stat().st_size for f in pathlib.Path(folder).rglob("*") if f.is_file())
    n_syn = sum(len(p) for p in sim.simulator.state.projections)
    print("scale %g: %d neurons, %d synapses; build %.1f s, SONATA export %.1f s, %.1f MB"
          % (args.scale, sum(p.size for p in pops.values()), n_syn, t1 - t0, t2 - t1,
             size / 1e6))
    sim.run(args.tstop)
    t3 = time.perf_counter()
    ref = {}
    for name, p in pops.items():
        ids, times = p.recorder._get_spiketimes(p.all_cells)
        idx = np.asarray(ids) - int(p.first_id)
        order = np.lexsort((idx, times))
        ref[name] = (idx[order], np.asarray(times)[order])
    print("run %.1f s" % (t3 - t2))
    t4 = time.perf_counter()
    model = exchange.read(os.path.join(folder, "simulation_config.json"))
    t5 = time.perf_counter()
    built = exchange.build(model, threads=args.threads)
    t6 = time.perf_counter()
    built.run()
    t7 = time.perf_counter()
    got = built.spikes()
    print("import: read %.1f s, build %.1f s, run %.1f s" % (t5 - t4, t6 - t5, t7 - t6))
    same = all(np.array_equal(ref[k][0], got[k][0]) and np.array_equal(ref[k][1], got[k][1])
               for k in ref)
    print("spikes bit-identical after the round trip: %s" % same)
    for name in pd.POPULATIONS:
        n = model.population(name).record["spikes"].size
        print("  %-5s %7.2f Hz (recorded %d cells)"
              % (name, got[name][0].size / n / (args.tstop / 1000.0), n))
    print("files in", folder)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
