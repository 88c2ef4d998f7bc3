"""
The Potjans-Diesmann cortical microcircuit (examples/potjans2014.py, the
network of PyNN's examples/Potjans2014 with its PyNN calls unchanged) at
several scales, backgrounds and thread counts: build, simulation, memory,
rates, and the cost per synaptic event; pyNN.nest side by side.

    python bench/microcircuit.py [--scales 0.1,0.5,1] [--inputs poisson,DC]
                                 [--threads 1,2] [--nest-scales 0.1]
                                 [--tstop 1000] [--max-rss-gb 16] [--json FILE]

Every configuration runs in its own child process (python this-file
--child ...), so that peak memory is the configuration's own.  N_scaling =
K_scaling = scale.  A child reports:

  build s      build_network() (populations, recording, connectors), wall clock
  sim s/s      sim.run(tstop) per biological second, wall clock
  CPU s/s      process CPU time of the run per biological second
  peak GiB     the child's peak resident memory (getrusage ru_maxrss)
  B/syn        Ranvier's kernel bytes for the recurrent synapses
               (rv_proj_memory, after the run) per synapse
  events/s     synaptic events per biological second: recurrent (each
               spike times the synapses of its projections, from the
               measured rates) plus background (the Poisson sources'
               expected spikes, each one event)
  ns/event     CPU time of the run per event
  rates        per population, against the reference means (NEST, docs
               BENCHMARKS.md section 2); the largest relative deviation

NEST children (pyNN.nest) run the same script with the same thread count;
the ratios printed are NEST / Ranvier.  Children get OPENBLAS_NUM_THREADS=1
so that numpy's BLAS threads do not compete with the simulator's.
--max-rss-gb stops a child whose memory grows beyond that (exit status 3).
"""

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def watch_rss(limit_gib):
    page = os.sysconf("SC_PAGE_SIZE")

    def watch():
        while True:
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * page / 2 ** 30
            if rss > limit_gib:
                print("RSS %.2f GiB exceeds %g GiB: stopped" % (rss, limit_gib), flush=True)
                os._exit(3)
            time.sleep(0.2)
    threading.Thread(target=watch, daemon=True).start()


def child(spec):
    """One configuration; prints one JSON line."""
    watch_rss(spec["max_rss_gb"])
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans2014 as pd
    import importlib
    sim = importlib.import_module("pyNN." + spec["simulator"])
    sim.setup(timestep=pd.DT, min_delay=pd.MIN_DELAY, threads=spec["threads"])
    scale, tstop = spec["scale"], spec["tstop"]
    t0 = time.perf_counter()
    pops, projs = pd.build_network(sim, scale, scale, spec["input"])
    build = time.perf_counter() - t0
    rss_build = peak_rss_gib()
    n_syn = sum(p.size() for p in projs.values())
    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(tstop)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rates = {name: p.mean_spike_count() * 1000.0 / tstop for name, p in pops.items()}
    seconds = tstop / 1000.0
    recurrent = sum(prj.size() * rates[source] for (target, source), prj in projs.items())
    background = 0.0
    if spec["input"] == "poisson":
        background = sum(pops[name].size * pd.K_EXT[name] * scale * pd.BG_RATE
                         for name in pops)
    kernel_bytes = None
    if spec["simulator"] == "ranvier":
        kernel = sim.simulator.state.kernel
        kernel_bytes = sum(kernel.proj_memory(h) for prj in projs.values()
                           for h in prj._kernel.values())
    out = dict(spec, build_s=build, sim_s_per_s=wall / seconds, cpu_s_per_s=cpu / seconds,
               peak_gib=peak_rss_gib(), peak_after_build_gib=rss_build, synapses=n_syn,
               neurons=sum(p.size for p in pops.values()), rates=rates,
               events_per_s=recurrent + background, recurrent_events_per_s=recurrent,
               ns_per_event=cpu / seconds / (recurrent + background) * 1e9,
               bytes_per_synapse=kernel_bytes / n_syn if kernel_bytes else None)
    sim.end()
    print("RESULT " + json.dumps(out), flush=True)


def run_child(spec, timeout):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(spec["threads"]))
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return dict(spec, error="timed out after %d s" % timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
    return dict(spec, error="exit %d: %s" % (proc.returncode, " | ".join(tail)))


def worst_deviation(rates, reference):
    return max(abs(rates[k] - reference[k]) / reference[k] for k in reference)


def report(r, reference):
    if "error" in r:
        return "%-8s %5g %-7s %d thr  FAILED: %s" % (r["simulator"], r["scale"], r["input"],
                                                     r["threads"], r["error"])
    bps = "%5.1f" % r["bytes_per_synapse"] if r.get("bytes_per_synapse") else "    -"
    return ("%-8s %5g %-7s %d thr  build %7.2f s  sim %7.2f s/s (CPU %7.2f)  peak %5.2f GiB  "
            "B/syn %s  %.3g ev/s  %5.1f ns/ev  worst rate dev %3.0f%%"
            % (r["simulator"], r["scale"], r["input"], r["threads"], r["build_s"],
               r["sim_s_per_s"], r["cpu_s_per_s"], r["peak_gib"], bps, r["events_per_s"],
               r["ns_per_event"], 100 * worst_deviation(r["rates"], reference)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scales", default="0.1,0.5,1")
    parser.add_argument("--inputs", default="poisson,DC")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--nest-scales", default="0.1",
                        help="scales also run on pyNN.nest ('' for none)")
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--max-rss-gb", type=float, default=16.0)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--json", default=None, help="write all results here")
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0

    sys.path.insert(0, str(ROOT / "examples"))
    from potjans2014 import REFERENCE_RATES
    nest_scales = [float(s) for s in args.nest_scales.split(",") if s]
    results = []
    for scale in [float(s) for s in args.scales.split(",")]:
        for input_type in args.inputs.split(","):
            for threads in [int(t) for t in args.threads.split(",")]:
                sims = ["ranvier"] + (["nest"] if scale in nest_scales else [])
                for simulator in sims:
                    spec = dict(simulator=simulator, scale=scale, input=input_type,
                                threads=threads, tstop=args.tstop, max_rss_gb=args.max_rss_gb)
                    r = run_child(spec, args.timeout)
                    results.append(r)
                    print(report(r, REFERENCE_RATES), flush=True)
                    if "error" not in r:
                        print("    rates: " + "  ".join(
                            "%s %.2f (%.2f)" % (k, v, REFERENCE_RATES[k])
                            for k, v in r["rates"].items()), flush=True)

    def find(simulator, scale, input_type, threads):
        for r in results:
            if (r["simulator"], r["scale"], r["input"], r["threads"]) == \
                    (simulator, scale, input_type, threads) and "error" not in r:
                return r
        return None

    print("\nspeed-up of 2 threads over 1 (simulation):")
    for r1 in [r for r in results if r["simulator"] == "ranvier" and r["threads"] == 1]:
        r2 = find("ranvier", r1["scale"], r1["input"], 2)
        if r2 and "error" not in r1:
            print("  scale %g %-7s  %.2fx (build %.2fx)"
                  % (r1["scale"], r1["input"], r1["sim_s_per_s"] / r2["sim_s_per_s"],
                     r1["build_s"] / r2["build_s"]))
    print("\nNEST / Ranvier (same scale, input, threads):")
    for rn in [r for r in results if r["simulator"] == "nest" and "error" not in r]:
        rr = find("ranvier", rn["scale"], rn["input"], rn["threads"])
        if rr:
            print("  scale %g %-7s %d thr  build %.2fx  sim %.2fx  peak memory %.2fx"
                  % (rn["scale"], rn["input"], rn["threads"], rn["build_s"] / rr["build_s"],
                     rn["sim_s_per_s"] / rr["sim_s_per_s"], rn["peak_gib"] / rr["peak_gib"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
