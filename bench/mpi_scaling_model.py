"""
A model of the full-scale microcircuit's strong scaling over cluster nodes,
from what bench/microcircuit_mpi.py measured on this machine.

    python bench/microcircuit_mpi.py --json out/mpi.json
    python bench/mpi_scaling_model.py out/mpi.json [--nodes 1,2,4,5,8,16,32,64]
        [--cores 128] [--alpha-us 2] [--bandwidth-gbs 12.5] [--barrier-us 1.5]
        [--sort-ns 2] [--lookup-ns 20] [--scan-ns 1] [--old-merge]
        [--slices 2000] [--seed 1]

What it models is Ranvier's own loop (src/core/run.c, run_slices): each
min-delay slice (0.1 ms, so 10,000 per biological second) every shard -- one
per thread, nodes x cores of them -- updates its neurons and delivers the
spikes of its one-to-one Poisson background (local projections), then the
processes exchange the slice's spikes, then every shard delivers them onto
the synapses it holds; three thread barriers a slice.  So a slice costs

    max over shards (a n_s + b bg_s) / e        update, slowest shard
  + 2 alpha ceil(log2 P) + (P - 1)/P (H + R) / B  MPI_Allgather of the header
                                                (H = 16 P bytes) and
                                                MPI_Allgatherv of R bytes of
                                                12-byte spike records, each
                                                log2 P stages (recursive
                                                doubling)
  + (2 R_n + 256) c_sort                         the arrivals' radix sort,
                                                once per process (one pass:
                                                16 populations)
  + max over shards (b rec_s) / e               delivery, slowest shard
  + R_n r c_lookup                              every shard looks up the row
                                                of every arriving spike in
                                                each of its population's r
                                                projections, synapses there
                                                or not
  + 3 t_barrier

with P = nodes (one process per node, T = cores threads each), S = P T,
n_s neurons and sources of a shard, bg_s / rec_s its background / recurrent
synaptic events in the slice, R_n the slice's spikes (R bytes of records).
Before commit 8382342 every shard merged the arrivals itself, scanning the
heads of all S shards' lists, 2 (G + 1) S c_scan a slice for G populations
that spiked, and the header held every thread's count: --old-merge models
that instead of the sort (at 64 nodes, the largest term).

Fitted from the measurements (1 process, 1 thread, two scales): a (seconds
per neuron update, Poisson source included) and b (seconds per synaptic
event), from the run's CPU time = a updates + b events at both scales, and e,
the parallel efficiency of a thread (2-thread speed-up / 2 at the largest
scale, assumed to hold at `--cores` threads: optimistic, a 128-core node has
less memory bandwidth per core than 2 cores of this one).  Drawn by Monte
Carlo per slice: each population's spikes in the slice (Poisson, from the
measured rates), each shard's share of their synapses (Poisson, from the
measured out-degrees) and of the background (Poisson).  Assumed (options):
the interconnect's latency per Allgather stage alpha and bandwidth B
(InfiniBand HDR-class: 2 us, 12.5 GB/s), the 128-thread barrier t_barrier
(1.5 us), c_sort (2 ns a record and pass), c_lookup (20 ns: a random read
of a shard's row table, often a cache miss) and c_scan (1 ns).  Not modelled:
OS noise, NUMA, the MPI progress of the other node's slowness beyond the
per-slice maximum, recording (the example records every spike, written in
memory).  NEST 3.9's published floor for the same model: RTF 0.32 on 5
nodes of 128 cores (docs BENCHMARKS.md, section 2).
"""

import argparse
import json
import math
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
SLICES_PER_SECOND = 10000     # min_delay 0.1 ms
NEST_FLOOR_RTF, NEST_FLOOR_NODES = 0.32, 5


def load(path):
    """The first process's report of each configuration that succeeded."""
    jobs = json.load(open(path))
    return [ranks[0] for ranks in jobs if "error" not in ranks[0]]


def background_events_per_s(r):
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans2014 as pd
    return sum(r["sizes"][name] * pd.BG_RATE * pd.K_EXT[name] * r["scale"]
               for name in r["sizes"])


def recurrent_events_per_s(r):
    return sum(fan * r["sizes"][pair.split(">")[0]] * r["rates"][pair.split(">")[0]]
               for pair, fan in r["fan_out"].items())


def updates_per_s(r):
    # the neurons and the Poisson background (one source per neuron)
    return 2 * r["neurons"] * SLICES_PER_SECOND


def fit(runs):
    """a, b and e from the 1-process runs."""
    serial = sorted([r for r in runs if r["procs"] == 1 and r["threads"] == 1],
                    key=lambda r: r["scale"])
    if len(serial) < 2:
        raise SystemExit("need 1-process 1-thread runs at two scales")
    lo, hi = serial[0], serial[-1]
    rows = [[updates_per_s(r), background_events_per_s(r) + recurrent_events_per_s(r)]
            for r in (lo, hi)]
    # CPU time: what the work costs, whatever else ran on the machine
    a, b = np.linalg.solve(np.array(rows), np.array([lo["cpu_s_per_s"], hi["cpu_s_per_s"]]))
    two = [r for r in runs if r["procs"] == 1 and r["threads"] == 2 and r["scale"] == hi["scale"]]
    e = hi["sim_s_per_s"] / (2 * two[0]["sim_s_per_s"]) if two else 1.0
    return a, b, min(e, 1.0), hi


def slice_times(full, a, b, e, nodes, args, rng):
    """Seconds of each modelled slice, by part, for `nodes` nodes."""
    S = nodes * args.cores
    names = list(full["sizes"])
    sizes = np.array([full["sizes"][k] for k in names], dtype=float)
    rates = np.array([full["rates"][k] for k in names])
    out_degree = np.array([sum(fan for pair, fan in full["fan_out"].items()
                               if pair.split(">")[0] == k) for k in names])
    n_shard = 2 * sizes.sum() / S                      # neurons + sources
    bg_mean = background_events_per_s(full) / SLICES_PER_SECOND / S
    m = args.slices
    spikes = rng.poisson(rates * sizes / SLICES_PER_SECOND, size=(m, len(names)))
    rec_mean = spikes @ out_degree / S                  # per slice, per shard
    update = np.empty(m)
    deliver = np.empty(m)
    for i in range(m):
        bg = rng.poisson(bg_mean, size=S)
        rec = rng.poisson(rec_mean[i], size=S)
        update[i] = (a * n_shard + b * bg.max()) / e
        deliver[i] = b * rec.max() / e
    n_spikes = spikes.sum(axis=1)
    routes = 8   # each population projects to the 8 populations
    lookups = n_spikes * routes * args.lookup_ns * 1e-9
    if args.old_merge:
        groups = (spikes > 0).sum(axis=1)
        merge = 2 * (groups + 1) * S * args.scan_ns * 1e-9
        header = nodes * (args.cores + 1) * 8
    else:
        merge = (2 * n_spikes + 256) * args.sort_ns * 1e-9
        header = nodes * 2 * 8
    records = n_spikes * 12
    stages = math.ceil(math.log2(nodes)) if nodes > 1 else 0
    collectives = np.where(n_spikes > 0, 2, 1)   # no Allgatherv for a silent slice
    exchange = (args.alpha_us * 1e-6 * stages * collectives
                + (nodes - 1) / nodes * (header + records) / (args.bandwidth_gbs * 1e9))
    barriers = np.full(m, 3 * args.barrier_us * 1e-6)
    return dict(update=update, exchange=exchange, deliver=deliver, merge=merge,
                lookups=lookups, barriers=barriers)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", help="bench/microcircuit_mpi.py --json output")
    parser.add_argument("--nodes", default="1,2,4,5,8,16,32,64")
    parser.add_argument("--cores", type=int, default=128, help="threads per node")
    parser.add_argument("--alpha-us", type=float, default=2.0)
    parser.add_argument("--bandwidth-gbs", type=float, default=12.5)
    parser.add_argument("--barrier-us", type=float, default=1.5)
    parser.add_argument("--sort-ns", type=float, default=2.0)
    parser.add_argument("--lookup-ns", type=float, default=20.0)
    parser.add_argument("--scan-ns", type=float, default=1.0)
    parser.add_argument("--old-merge", action="store_true",
                        help="the k-way merge of every shard (before commit 8382342)")
    parser.add_argument("--slices", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    a, b, e, full = fit(load(args.json))
    print("fitted on this machine: a = %.2f ns per neuron update, b = %.2f ns per synaptic event, "
          "thread efficiency e = %.2f (scale %g: %.3g events/s)"
          % (a * 1e9, b * 1e9, e, full["scale"],
             background_events_per_s(full) + recurrent_events_per_s(full)))
    if full["scale"] != 1:
        print("warning: the largest measured scale is %g, not the full model" % full["scale"])
    print("assumed: %d threads per node, Allgather %.1f us per stage, %.1f GB/s, barrier %.1f us, "
          "lookup %.0f ns, %s" % (args.cores, args.alpha_us, args.bandwidth_gbs, args.barrier_us,
                                  args.lookup_ns,
                                  "k-way merge %.1f ns per head" % args.scan_ns if args.old_merge
                                  else "radix sort %.1f ns per record and pass" % args.sort_ns))
    print("\nnodes  RTF    update  exchange  deliver  %s  lookups  barriers   (s per biological s)"
          % ("merge" if args.old_merge else " sort"))
    rng = np.random.default_rng(args.seed)
    for nodes in [int(n) for n in args.nodes.split(",")]:
        parts = slice_times(full, a, b, e, nodes, args, rng)
        per_s = {k: float(np.mean(v)) * SLICES_PER_SECOND for k, v in parts.items()}
        total = sum(per_s.values())
        print("%5d  %.3f  %6.3f  %8.3f  %7.3f  %5.3f  %7.3f  %8.3f"
              % (nodes, total, per_s["update"], per_s["exchange"], per_s["deliver"],
                 per_s["merge"], per_s["lookups"], per_s["barriers"]))
    print("\nNEST 3.9 (published): RTF %.2f on %d nodes of 128 cores, where its strong scaling stops"
          % (NEST_FLOOR_RTF, NEST_FLOOR_NODES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
