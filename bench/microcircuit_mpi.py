"""
The Potjans-Diesmann microcircuit (examples/potjans2014.py) distributed over
MPI processes and threads: build, simulation, peak memory and bytes per
synapse of each process, and the time each spends exchanging spikes.

    python bench/microcircuit_mpi.py [--scales 0.5,1] [--procs 1,2]
                                     [--threads 1,2] [--tstop 1000]
                                     [--json FILE]

Every configuration runs as its own job (`mpirun -np P python this-file
--child ...`, a plain child for P = 1), N_scaling = K_scaling = scale,
Poisson background.  Each process reports; the table shows:

  build s      build_network(), wall clock, slowest process
  sim s/s      sim.run(tstop) per biological second, slowest process
  CPU          the processes' CPU time of the run per biological second, summed
  peak GiB     peak resident memory of the largest process (ru_maxrss)
  syn/proc     recurrent synapses stored by the largest process (len(prj))
  B/syn        that process's kernel bytes for them (rv_proj_memory) per
               synapse it stores
  exch s/s     seconds per biological second the slowest process spent in
               the spike exchange (MPI_Allgather of the counts and
               MPI_Allgatherv of the records; rv_sim_info.exchange_s)
  rec/slice    spike records a process received from the others per
               min-delay slice (12 bytes each)

The machine has 2 cores: 2 processes x 2 threads oversubscribe it (4
threads on 2 cores), so that row measures correctness and memory more than
speed; it runs with OMP_WAIT_POLICY=passive (threads that wait sleep instead
of spinning on the cores the other process needs).  Every job gets
OPENBLAS_NUM_THREADS=1.  The time in the exchange includes waiting for the
slowest process to reach it (the collectives synchronise them).

The script's connectors use unseeded NumpyRNGs (PyNN's example does), so each
job is a different network; rates vary by a few per cent between jobs.
bench/mpi_scaling_model.py turns the JSON this writes into a model of
multi-node strong scaling.
"""

import argparse
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def child(spec):
    """One process of a configuration; prints one JSON line per process."""
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans2014 as pd
    import pyNN.ranvier as sim
    sim.setup(timestep=pd.DT, min_delay=pd.MIN_DELAY, threads=spec["threads"])
    scale, tstop = spec["scale"], spec["tstop"]
    t0 = time.perf_counter()
    pops, projs = pd.build_network(sim, scale, scale, "poisson")
    build = time.perf_counter() - t0
    rss_build = peak_rss_gib()
    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(tstop)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    kernel = sim.simulator.state.kernel
    info = kernel.info()
    local_syn = sum(len(prj) for prj in projs.values())
    local_bytes = sum(kernel.proj_memory(h) for prj in projs.values()
                      for h in prj._kernel.values())
    # Collective calls: every process takes part.
    n_syn = sum(prj.size() for prj in projs.values())
    counts = {name: p.mean_spike_count() for name, p in pops.items()}
    spikes = sum(counts[name] * pops[name].size for name in pops)
    seconds = tstop / 1000.0
    out = dict(spec, rank=sim.rank(), build_s=build, sim_s_per_s=wall / seconds,
               cpu_s_per_s=cpu / seconds,
               peak_gib=peak_rss_gib(), peak_after_build_gib=rss_build,
               synapses=n_syn, local_synapses=local_syn, local_bytes=local_bytes,
               neurons=sum(p.size for p in pops.values()),
               local_neurons=sum(int(p._mask_local.sum()) for p in pops.values()),
               rates={name: c / seconds for name, c in counts.items()},
               spikes=spikes, slices=round(tstop / pd.MIN_DELAY),
               exchange_s=info["exchange_s"], exchanged=info["exchanged"],
               fan_out={"%s>%s" % (s, t): prj.size() / pops[s].size
                        for (t, s), prj in projs.items()},
               sizes={name: p.size for name, p in pops.items()})
    sim.end()
    # a file per process: mpirun interleaves the processes' output lines
    with open("%s.%d.json" % (spec["report"], out["rank"]), "w") as f:
        json.dump(out, f)


def run_job(spec, timeout):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(spec["threads"]))
    if spec["procs"] * spec["threads"] > (os.cpu_count() or 1):
        # more threads than cores: a waiting thread must give its core up
        # (spinning it would hold the core another process needs); with a
        # core each, sleeping at the three barriers of every slice costs more
        env["OMP_WAIT_POLICY"] = "passive"
    report = tempfile.mkdtemp(prefix="microcircuit_mpi.")
    spec = dict(spec, report=os.path.join(report, "rank"))
    command = [sys.executable, __file__, "--child", json.dumps(spec)]
    if spec["procs"] > 1:
        mpirun = shutil.which("mpirun")
        if mpirun is None:
            return [dict(spec, error="mpirun not found")]
        command = [mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                   "-np", str(spec["procs"])] + command
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return [dict(spec, error="timed out after %d s" % timeout)]
    ranks = []
    for r in range(spec["procs"]):
        try:
            with open("%s.%d.json" % (spec["report"], r)) as f:
                ranks.append(json.load(f))
        except OSError:
            pass
    shutil.rmtree(report, ignore_errors=True)
    if proc.returncode != 0 or len(ranks) != spec["procs"]:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        return [dict(spec, error="exit %d: %s" % (proc.returncode, " | ".join(tail)))]
    return sorted(ranks, key=lambda r: r["rank"])


def summary(ranks):
    """A configuration's figures from its processes' reports."""
    r0 = ranks[0]
    if "error" in r0:
        return r0
    biggest = max(ranks, key=lambda r: r["local_synapses"])
    seconds = r0["tstop"] / 1000.0
    return dict(scale=r0["scale"], procs=r0["procs"], threads=r0["threads"],
                build_s=max(r["build_s"] for r in ranks),
                sim_s_per_s=max(r["sim_s_per_s"] for r in ranks),
                cpu_s_per_s=sum(r["cpu_s_per_s"] for r in ranks),
                peak_gib=max(r["peak_gib"] for r in ranks),
                synapses=r0["synapses"], local_synapses=biggest["local_synapses"],
                bytes_per_synapse=biggest["local_bytes"] / max(biggest["local_synapses"], 1),
                exchange_s_per_s=max(r["exchange_s"] for r in ranks) / seconds,
                records_per_slice=max(r["exchanged"] for r in ranks) / r0["slices"],
                spikes_per_slice=r0["spikes"] / r0["slices"], rates=r0["rates"])


def report(s):
    if "error" in s:
        return "scale %g  %d proc x %d thr  FAILED: %s" % (s["scale"], s["procs"], s["threads"],
                                                           s["error"])
    return ("scale %4g  %d proc x %d thr  build %6.2f s  sim %6.2f s/s (CPU %6.2f)  "
            "peak %5.2f GiB/proc  %11d syn/proc  %5.1f B/syn  exch %5.3f s/s  %6.1f rec/slice"
            % (s["scale"], s["procs"], s["threads"], s["build_s"], s["sim_s_per_s"],
               s["cpu_s_per_s"],
               s["peak_gib"], s["local_synapses"], s["bytes_per_synapse"],
               s["exchange_s_per_s"], s["records_per_slice"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scales", default="0.5,1")
    parser.add_argument("--procs", default="1,2")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--json", default=None, help="write every process's report here")
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    jobs = []
    for scale in [float(s) for s in args.scales.split(",")]:
        for procs in [int(p) for p in args.procs.split(",")]:
            for threads in [int(t) for t in args.threads.split(",")]:
                spec = dict(scale=scale, procs=procs, threads=threads, tstop=args.tstop)
                ranks = run_job(spec, args.timeout)
                jobs.append(ranks)
                s = summary(ranks)
                print(report(s), flush=True)
                if "error" not in s:
                    print("    rates: " + "  ".join("%s %.2f" % kv for kv in s["rates"].items()),
                          flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(jobs, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
