"""
Cross-check of the SONATA export: a network exported by Ranvier (by
default the Potjans-Diesmann microcircuit at scale 0.1, written by
bench/exchange_potjans.py) is read back and simulated both by Ranvier and
by NEST (pyNN.nest, connections from the file through FromListConnector),
and the population rates are printed side by side.  Figures only.

    python bench/exchange_sonata_nest.py FOLDER/simulation_config.json [--tstop 1000]
"""

import argparse
import sys
import time


def rates(built, tstop):
    out = {}
    for label, (idx, _) in built.spikes().items():
        n = built.model.population(label).record["spikes"].size
        out[label] = idx.size / n / (tstop / 1000.0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--tstop", type=float, default=None)
    args = ap.parse_args()
    from ranvier import exchange
    results = {}
    for name in ("ranvier", "nest"):
        model = exchange.read(args.config)
        if args.tstop:
            model.duration = args.tstop
        sim = None
        if name == "nest":
            import pyNN.nest as sim
        t0 = time.perf_counter()
        built = exchange.build(model, sim=sim)
        t1 = time.perf_counter()
        built.run()
        t2 = time.perf_counter()
        results[name] = rates(built, model.duration)
        print("%-8s build %.1f s, run %.1f s" % (name, t1 - t0, t2 - t1), flush=True)
        if name == "nest":
            sim.end()
    print("%-6s %10s %10s %8s" % ("pop", "Ranvier Hz", "NEST Hz", "diff"))
    for label in results["ranvier"]:
        a, b = results["ranvier"][label], results["nest"][label]
        print("%-6s %10.2f %10.2f %+7.1f %%" % (label, a, b, 100 * (b - a) / max(a, 1e-9)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
