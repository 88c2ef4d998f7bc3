"""
Vogels-Abbott COBA and CUBA benchmarks: Ranvier against the reference PyNN
backends, side by side in one run.

    python bench/vogels_abbott.py [--simulators ranvier,neuron,nest,brian2]
                                  [--benchmarks COBA,CUBA] [--repeats 3]
                                  [--brian2-repeats 1] [--tstop 1000] [--timeout 600]

The network is PyNN's examples/VAbenchmarks.py (Brette et al. 2007,
benchmarks 1 and 2; docs BENCHMARKS.md section 1), default options: two
Populations, 3200 excitatory and 800 inhibitory cells (IF_cond_exp for COBA,
IF_curr_exp for CUBA) with the script's parameters; one
NumpyRNG(seed=98765, parallel_safe=True) draws the initial v (uniform in
[v_reset, v_thresh], excitatory then inhibitory cells) and then the four
FixedProbabilityConnector(0.02) projections E->E, E->I, I->E, I->I in that
order, delay 0.2 ms; COBA adds 20 SpikeSourcePoisson (100 Hz for 50 ms)
connected to both populations with FixedProbabilityConnector(0.01) (no rng)
and weight 0.1 uS.  setup(timestep=0.1, min_delay=0.2, max_delay=1.0,
threads=1, ...), spikes of all cells and v of two excitatory cells are
recorded, 1000 ms simulated.  The only difference from the script: the
connector has no ProgressBar callback (it only prints).

What is measured, for each (simulator, benchmark, repeat) in its own child
process (so that imports, memory and simulator state are not shared):

  import s   time to import pyNN.<simulator>
  build s    sim.setup() up to the end of recording setup: VAbenchmarks'
             buildCPUTime plus setup() itself (VAbenchmarks starts its timer
             just after setup; the JSON also has setup_s alone)
  sim s      sim.run(tstop)
  E, I Hz    mean firing rates (mean_spike_count * 1000 / tstop)
  peak MiB   the child's peak resident memory (getrusage ru_maxrss),
             the simulator's import included
All times are wall clock (time.perf_counter); the JSON also has the CPU time
of the simulation (time.process_time) to show contention on a busy machine.
Children run single-threaded (threads=1 and OMP/BLAS threads 1; --cpu pins
them to one core).

The parent interleaves the simulators repeat by repeat, prints the medians
and the ratios reference/ranvier of build and simulation time, and writes
all runs as JSON to bench/results/.  A simulator that cannot be imported is
shown as "not installed" (the reason is in the JSON and printed below the
table); a run that exceeds --timeout is killed and shown as such.
Notes: PyNN's NEST backend defaults to spike_precision="off_grid", which
selects NEST's precise-spike-timing model where one exists (iaf_psc_exp_ps
for IF_curr_exp; IF_cond_exp stays iaf_cond_exp); the model used is shown.
Brian2 runs through PyNN's brian2 backend in runtime mode (code generation
and compilation fall in build and the first run).

bench/connectivity_memory.py and bench/plastic_network.py reuse
build_network() and the child-process machinery defined here.
"""

import argparse
import datetime
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS_DIR = os.path.join(HERE, "results")

SIMULATORS = ("ranvier", "neuron", "nest", "brian2")

# === The network: PyNN's examples/VAbenchmarks.py =============================

N_EXC, N_INH = 3200, 800      # n = 4000, r_ei = 4
P_CONN = 0.02
RNG_SEED = 98765
DT, DELAY, MIN_DELAY, MAX_DELAY = 0.1, 0.2, 0.2, 1.0
TSTOP = 1000.0
CELL = dict(tau_m=20.0, tau_syn_E=5.0, tau_syn_I=10.0, v_reset=-60.0, v_thresh=-50.0,
            cm=20000e-8 * 1.0 * 1000,  # area 20,000 um2 x 1 uF/cm2 = 0.2 nF
            tau_refrac=5.0)
V_MEAN, E_REV_E, E_REV_I = -60.0, 0.0, -80.0
BENCHMARKS = {
    # cell type, extra cell parameters, excitatory and inhibitory weights
    "COBA": ("IF_cond_exp", dict(v_rest=-60.0, e_rev_E=E_REV_E, e_rev_I=E_REV_I),
             4.0 * 1e-3, 51.0 * 1e-3),                                   # uS
    "CUBA": ("IF_curr_exp", dict(v_rest=-49.0),
             1e-3 * 0.27 * (E_REV_E - V_MEAN), 1e-3 * 4.5 * (E_REV_I - V_MEAN)),  # nA
}
N_KICK, KICK_RATE, KICK_DURATION, KICK_P, KICK_WEIGHT = 20, 100.0, 50.0, 0.01, 0.1


def setup(sim, benchmark, threads=1, **extra):
    """sim.setup() as VAbenchmarks.py calls it (extra: e.g. spike_precision)."""
    sim.setup(timestep=DT, min_delay=MIN_DELAY, max_delay=MAX_DELAY, threads=threads,
              filename="va_%s.xml" % benchmark, label="VA", **extra)


def build_network(sim, benchmark, n_exc=N_EXC, n_inh=N_INH, p_conn=P_CONN,
                  connector_rng="numpy", record=True, after_populations=None,
                  e2e_synapse=None):
    """Creates the network after setup(); returns (exc, inh, projections).

    connector_rng: "numpy" uses the script's NumpyRNG (shared with the
    initial v, as in VAbenchmarks.py); "none" gives the connector no rng
    (Ranvier then runs the rule in its kernel); "native" passes
    sim.NativeRNG() (NEST then runs its own pairwise_bernoulli rule).
    after_populations: called with no argument once the cells exist and
    their v is initialised, before any connection is made.
    e2e_synapse: the E->E synapse type instead of the static one
    (bench/plastic_network.py gives an STDPMechanism).
    """
    from pyNN.random import NumpyRNG, RandomDistribution

    celltype_name, extra, w_exc, w_inh = BENCHMARKS[benchmark]
    celltype = getattr(sim, celltype_name)(**CELL, **extra)
    exc = sim.Population(n_exc, celltype, label="Excitatory_Cells")
    inh = sim.Population(n_inh, celltype, label="Inhibitory_Cells")
    if benchmark == "COBA":
        kick = sim.Population(N_KICK, sim.SpikeSourcePoisson(rate=KICK_RATE,
                                                             duration=KICK_DURATION),
                              label="expoisson")

    rng = NumpyRNG(seed=RNG_SEED, parallel_safe=True)
    v_init = RandomDistribution("uniform", low=CELL["v_reset"], high=CELL["v_thresh"], rng=rng)
    exc.initialize(v=v_init)
    inh.initialize(v=v_init)
    if after_populations:
        after_populations()

    conn_rng = {"numpy": rng, "none": None}[connector_rng] if connector_rng != "native" \
        else sim.NativeRNG()
    connector = sim.FixedProbabilityConnector(p_conn, rng=conn_rng)
    exc_syn = sim.StaticSynapse(weight=w_exc, delay=DELAY)
    inh_syn = sim.StaticSynapse(weight=w_inh, delay=DELAY)
    projections = {
        "e2e": sim.Projection(exc, exc, connector, e2e_synapse or exc_syn,
                              receptor_type="excitatory"),
        "e2i": sim.Projection(exc, inh, connector, exc_syn, receptor_type="excitatory"),
        "i2e": sim.Projection(inh, exc, connector, inh_syn, receptor_type="inhibitory"),
        "i2i": sim.Projection(inh, inh, connector, inh_syn, receptor_type="inhibitory"),
    }
    if benchmark == "COBA":
        kick_conn = sim.FixedProbabilityConnector(KICK_P)
        kick_syn = sim.StaticSynapse(weight=KICK_WEIGHT)
        for name, target in (("ext2e", exc), ("ext2i", inh)):
            projections[name] = sim.Projection(kick, target, kick_conn, kick_syn,
                                               receptor_type="excitatory")
    if record:
        exc.record("spikes")
        inh.record("spikes")
        exc[0, 1].record("v")
    return exc, inh, projections


def backend_model(sim, population):
    """The simulator's own name for the population's cell model."""
    celltype = population.celltype
    if hasattr(celltype, "nest_name"):
        return celltype.nest_name[sim.simulator.state.spike_precision]
    model = getattr(celltype, "model", None) or getattr(celltype, "kernel_model", None)
    return getattr(model, "__name__", model) or type(celltype).__name__


# === Child processes ==========================================================

class NotInstalled(Exception):
    pass


def import_simulator(name):
    """pyNN.<name>, or NotInstalled with the reason it cannot be imported."""
    try:
        return importlib.import_module("pyNN." + name)
    except Exception as err:  # ImportError, or a broken dependency (any error)
        raise NotInstalled("%s: %s" % (type(err).__name__, str(err).splitlines()[0]
                                       if str(err) else "")) from None


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # KiB on Linux


def current_rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2.0**20


def child_env(cpu=None):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMEXPR_NUM_THREADS"):
        env[var] = "1"
    # PyNN looks for nrnivmodl and nest-config on PATH: prefer this Python's.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    if cpu is not None:
        env["BENCH_CPU"] = str(cpu)
    return env


def run_child(script, spec, timeout, cpu=None):
    """Runs `script --child SPEC` in a fresh Python; returns its result dict.

    status is "ok", "not installed", "timeout" or "failed" (with a reason).
    """
    with tempfile.TemporaryDirectory(prefix="ranvier-bench-") as tmp:
        result_file = os.path.join(tmp, "result.json")
        cmd = [sys.executable, script, "--child", json.dumps(spec), "--result-file", result_file]
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=child_env(cpu), cwd=tmp, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc = None
        result = dict(spec)
        if os.path.exists(result_file):
            with open(result_file) as f:
                result.update(json.load(f))
        if proc is None:
            done = ", ".join("%s %.1f s" % (k, v) for k, v in result.items()
                             if k.endswith("_s") and isinstance(v, float))
            result.update(status="timeout", reason="killed after %g s%s" % (
                timeout, " (finished: %s)" % done if done else " (during import or build)"))
            result["wall_s"] = time.perf_counter() - t0
            return result
        if proc.returncode != 0 or result.get("status") not in ("ok", "not installed"):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            result.update(status="failed",
                          reason="exit %d: %s" % (proc.returncode, " | ".join(tail)))
        result["wall_s"] = time.perf_counter() - t0
        result["load_before"] = load_before
        return result


_RESULT_FILE = None


def checkpoint(**figures):
    """Child side: saves figures measured so far, for the parent to report
    if the child is killed (e.g. a timeout during the simulation)."""
    with open(_RESULT_FILE, "w") as f:
        json.dump(dict(figures, status="partial"), f)


def child_main(argv, work):
    """Child side: work(spec) -> dict of figures; writes it (+ status, peak) as JSON."""
    global _RESULT_FILE
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True)
    parser.add_argument("--result-file", required=True)
    args = parser.parse_args(argv)
    _RESULT_FILE = args.result_file
    if os.environ.get("BENCH_CPU"):
        os.sched_setaffinity(0, {int(os.environ["BENCH_CPU"])})
    try:
        result = work(json.loads(args.child))
        result["status"] = "ok"
    except NotInstalled as err:
        result = {"status": "not installed", "reason": str(err)}
    result["peak_mib"] = peak_rss_mib()
    with open(args.result_file, "w") as f:
        json.dump(result, f)
    return 0


def run_va(spec):
    """One Vogels-Abbott run (child process)."""
    t0 = time.perf_counter()
    sim = import_simulator(spec["simulator"])
    import_s = time.perf_counter() - t0
    extra = {}
    if spec["simulator"] == "nest" and spec.get("nest_spike_precision"):
        extra["spike_precision"] = spec["nest_spike_precision"]
    benchmark, tstop = spec["benchmark"], spec["tstop"]

    t0, c0 = time.perf_counter(), time.process_time()
    setup(sim, benchmark, threads=spec.get("threads", 1), **extra)
    setup_s = time.perf_counter() - t0
    exc, inh, projections = build_network(sim, benchmark)
    build_s, build_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    checkpoint(import_s=import_s, setup_s=setup_s, build_s=build_s)

    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(tstop)
    sim_s, sim_cpu_s = time.perf_counter() - t0, time.process_time() - c0

    result = dict(
        import_s=import_s, setup_s=setup_s, build_s=build_s, build_cpu_s=build_cpu_s,
        sim_s=sim_s, sim_cpu_s=sim_cpu_s,
        rate_exc=exc.mean_spike_count() * 1000.0 / tstop,
        rate_inh=inh.mean_spike_count() * 1000.0 / tstop,
        synapses={name: int(prj.size()) for name, prj in projections.items()},
        model=backend_model(sim, exc),
        version=simulator_version(spec["simulator"]))
    sim.end()
    return result


def simulator_version(name):
    try:
        return str(getattr(importlib.import_module(name), "__version__", "?"))
    except Exception:
        return "?"


# === Parent: interleaved runs, medians, table =================================

def machine_info():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return dict(host=platform.node(), cpu=cpu, logical_cpus=os.cpu_count(),
                python=platform.python_version(), platform=platform.platform())


def git_revision():
    try:
        return subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip() or None
    except OSError:
        return None


def write_results(name, payload):
    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(RESULTS_DIR, "%s-%s.json" % (name, stamp))
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)
    return path


def median_of(runs, key):
    values = [r[key] for r in runs if r.get("status") == "ok" and r.get(key) is not None]
    return statistics.median(values) if values else None


def summarise(runs, simulators, benchmarks, unavailable=()):
    """Medians per (benchmark, simulator) and ratios reference / ranvier;
    `unavailable` maps simulators that could not be imported to the reason."""
    rows = []
    for benchmark in benchmarks:
        base = {}
        for simulator in simulators:
            mine = [r for r in runs if r["simulator"] == simulator and r["benchmark"] == benchmark]
            ok = [r for r in mine if r.get("status") == "ok"]
            row = dict(simulator=simulator, benchmark=benchmark, n=len(ok), status="ok")
            if simulator in unavailable:
                row.update(status="not installed", reason=unavailable[simulator])
            elif not ok:
                row.update(status=mine[-1]["status"] if mine else "not run",
                           reason=mine[-1].get("reason") if mine else None)
            for key in ("import_s", "build_s", "sim_s", "build_cpu_s", "sim_cpu_s", "rate_exc",
                        "rate_inh", "peak_mib"):
                row[key] = median_of(mine, key)
            if ok:
                counts = ok[0]["synapses"]
                row["synapses"] = sum(counts.get(k, 0) for k in ("e2e", "e2i", "i2e", "i2i"))
                row["kick_synapses"] = counts.get("ext2e", 0) + counts.get("ext2i", 0)
                row["model"] = ok[0]["model"]
                row["rate_range_exc"] = [min(r["rate_exc"] for r in ok), max(r["rate_exc"] for r in ok)]
                row["rate_range_inh"] = [min(r["rate_inh"] for r in ok), max(r["rate_inh"] for r in ok)]
            if simulator == "ranvier":
                base = row
            for key in ("build_s", "sim_s", "build_cpu_s", "sim_cpu_s"):
                row[key[:-2] + "_ratio"] = (
                    row[key] / base[key] if ok and base.get(key) else None)
            rows.append(row)
    return rows


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def print_table(rows, tstop):
    header = ("simulator", "bench", "n", "import s", "build s", "sim s", "E Hz", "I Hz",
              "E/I syn", "kick", "peak MiB", "build x", "sim x", "model")
    widths = (9, 5, 2, 8, 8, 8, 6, 6, 7, 4, 8, 7, 6, 0)
    line = "  ".join(h.rjust(w) if w else h for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    notes = []
    for row in rows:
        if row["status"] != "ok":
            status = row["status"]
            print("  ".join([row["simulator"].rjust(9), row["benchmark"].rjust(5), "0".rjust(2),
                             status]))
            note = "%s: %s" % (row["simulator"], row.get("reason"))
            if row.get("reason") and note not in notes:
                notes.append(note)
            continue
        cells = (row["simulator"], row["benchmark"], str(row["n"]),
                 fmt(row["import_s"], ".2f"), fmt(row["build_s"], ".3f"), fmt(row["sim_s"], ".3f"),
                 fmt(row["rate_exc"], ".2f"), fmt(row["rate_inh"], ".2f"), str(row["synapses"]),
                 str(row["kick_synapses"]),
                 fmt(row["peak_mib"], ".0f"), fmt(row["build_ratio"], ".1f"),
                 fmt(row["sim_ratio"], ".1f"), str(row["model"]))
        print("  ".join(c.rjust(w) if w else c for c, w in zip(cells, widths)))
    print("Medians over n runs; %g ms simulated; 'build x' and 'sim x': the simulator's median "
          "time / Ranvier's.\nE/I syn: the four FixedProbabilityConnector(0.02, rng=NumpyRNG) "
          "projections (identical on every backend);\nkick: the Poisson sources' connections "
          "(no rng: each backend draws its own)." % tstop)
    for note in notes:
        print("  " + note)
    print("\nCPU time of the child (time.process_time; less sensitive to other processes, but "
          "excludes work done in other processes, e.g. Brian2's compiler):")
    for row in rows:
        if row["status"] == "ok":
            print("  %-8s %s  build %8.3f s (x %5.1f)   sim %8.3f s (x %6.1f)" % (
                row["simulator"], row["benchmark"], row["build_cpu_s"], row["build_cpu_ratio"],
                row["sim_cpu_s"], row["sim_cpu_ratio"]))
    # Rates: Ranvier against the range the reference simulators give (information only).
    for benchmark in sorted({r["benchmark"] for r in rows}):
        refs = [r for r in rows if r["benchmark"] == benchmark and r["status"] == "ok"
                and r["simulator"] != "ranvier"]
        mine = [r for r in rows if r["benchmark"] == benchmark and r["status"] == "ok"
                and r["simulator"] == "ranvier"]
        if refs and mine:
            lo_e = min(r["rate_range_exc"][0] for r in refs)
            hi_e = max(r["rate_range_exc"][1] for r in refs)
            lo_i = min(r["rate_range_inh"][0] for r in refs)
            hi_i = max(r["rate_range_inh"][1] for r in refs)
            print("%s rates: Ranvier E %.2f / I %.2f Hz; reference simulators' runs span "
                  "E %.2f-%.2f, I %.2f-%.2f Hz" % (benchmark, mine[0]["rate_exc"],
                                                  mine[0]["rate_inh"], lo_e, hi_e, lo_i, hi_i))


def parse_list(text, allowed):
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad:
        raise argparse.ArgumentTypeError("unknown: %s (choose from %s)"
                                         % (", ".join(bad), ", ".join(allowed)))
    return items


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--child" in argv:
        return child_main(argv, run_va)
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--simulators", default=",".join(SIMULATORS),
                        type=lambda s: parse_list(s, SIMULATORS),
                        help="comma-separated, from %s (default: all)" % ",".join(SIMULATORS))
    parser.add_argument("--benchmarks", default="COBA,CUBA",
                        type=lambda s: parse_list(s, tuple(BENCHMARKS)))
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per simulator and benchmark (default 3)")
    parser.add_argument("--brian2-repeats", type=int, default=1,
                        help="at most this many for brian2, whose code generation is slow "
                             "(default 1)")
    parser.add_argument("--tstop", type=float, default=TSTOP, help="ms simulated (default 1000)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds before a child run is killed (default 600)")
    parser.add_argument("--nest-spike-precision", choices=("off_grid", "on_grid"),
                        help="passed to pyNN.nest setup() (default: PyNN's, off_grid)")
    parser.add_argument("--cpu", type=int, help="pin every child to this CPU")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads=N in sim.setup() (default 1; OpenMP/BLAS stay at 1 "
                             "for the other libraries)")
    args = parser.parse_args(argv)

    # Ranvier first: the ratios are relative to it.
    simulators = sorted(args.simulators, key=lambda s: s != "ranvier")
    info = machine_info()
    print("Vogels-Abbott benchmarks on %s (%d logical CPUs), children single-threaded%s"
          % (info["cpu"], info["logical_cpus"],
             ", pinned to CPU %d" % args.cpu if args.cpu is not None else ""))
    runs, unavailable = [], {}
    for repeat in range(args.repeats):
        for benchmark in args.benchmarks:
            for simulator in simulators:
                if simulator in unavailable:
                    continue
                if simulator == "brian2" and repeat >= args.brian2_repeats:
                    continue
                spec = dict(simulator=simulator, benchmark=benchmark, tstop=args.tstop,
                            repeat=repeat, threads=args.threads)
                if simulator == "nest":
                    spec["nest_spike_precision"] = args.nest_spike_precision
                result = run_child(os.path.abspath(__file__), spec,
                                   timeout=args.timeout, cpu=args.cpu)
                runs.append(result)
                if result["status"] == "ok":
                    print("  %-7s %s #%d: build %.3f s, sim %.3f s (cpu %.3f s), E %.2f Hz, "
                          "I %.2f Hz, peak %.0f MiB"
                          % (simulator, benchmark, repeat + 1, result["build_s"],
                             result["sim_s"], result["sim_cpu_s"], result["rate_exc"],
                             result["rate_inh"], result["peak_mib"]), flush=True)
                else:
                    print("  %-7s %s #%d: %s (%s)" % (simulator, benchmark, repeat + 1,
                                                      result["status"], result.get("reason")),
                          flush=True)
                    if result["status"] == "not installed":
                        unavailable[simulator] = result.get("reason")
    rows = summarise(runs, simulators, args.benchmarks, unavailable)
    print()
    print_table(rows, args.tstop)
    busy = [r for r in runs if r.get("status") == "ok" and r["sim_cpu_s"] < 0.9 * r["sim_s"]]
    if busy:
        print("Note: %d run(s) got less than 90%% of a CPU during the simulation (CPU time / "
              "wall time); other processes were competing." % len(busy))
    path = write_results("vogels_abbott", dict(
        command=" ".join([sys.executable] + sys.argv), machine=info,
        revision=git_revision(), date=datetime.datetime.now().isoformat(timespec="seconds"),
        options=vars(args), medians=rows, runs=runs))
    print("Results: %s" % os.path.relpath(path))
    ranvier_ok = all(r["status"] == "ok" for r in rows if r["simulator"] == "ranvier")
    return 0 if ranvier_ok else 1


if __name__ == "__main__":
    sys.exit(main())
