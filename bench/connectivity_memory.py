"""
Connectivity memory: Ranvier's bytes per synapse, against pyNN.nest.

    python bench/connectivity_memory.py [--simulators ranvier,nest,pynest]
                                        [--networks va,large] [--run-ms 10] [--timeout 900]

Networks (the CUBA cells of bench/vogels_abbott.py, nothing recorded):
  va      the Vogels-Abbott network exactly as bench/vogels_abbott.py builds
          it: 3200 E + 800 I cells, FixedProbabilityConnector(0.02,
          rng=NumpyRNG(seed=98765)), 318,916 synapses on every backend.
  large   the same scaled to 40,000 cells (32,000 E + 8,000 I) with
          FixedProbabilityConnector(0.0025): about 4,000,000 synapses, each
          backend running its native rule: no rng on Ranvier (the kernel
          draws), sim.NativeRNG() on NEST (NEST's pairwise_bernoulli; with no
          rng PyNN's NEST backend would draw 1.6e9 numbers in Python, column
          by column), no rng elsewhere.

Measured in a child process per (simulator, network), with
bench/vogels_abbott.py's child machinery:
  RSS (resident set size, /proc/self/statm) once the cells exist, after
  the projections are made, and after sim.run(--run-ms) (both simulators
  finish their connection structures at the first run); the increase over
  the cells' RSS divided by the number of synapses is the all-in cost per
  synapse as the operating system sees it (it includes allocator slack and
  the run's buffers);
  Ranvier's own account of its synapse storage: rv_proj_memory() summed over
  the kernel projections of every Projection (prj._kernel), before and after
  the run (before the first run connections may still sit in the pending
  arrays they are appended to);
  the RSS after the run once more after gc.collect() and glibc's
  malloc_trim(0), which hands memory that was freed (e.g. numpy temporaries
  of the connection draws) back to the system: what remains is what the
  network really holds;
  "pynest": the same cells and connection probabilities built with PyNEST
  directly (nest.Create, nest.Connect with pairwise_bernoulli and
  static_synapse, one thread), to separate NEST's own storage from what
  PyNN's NEST backend adds: after every Connect it calls
  nest.GetConnections(...).sources(), a Python list with one int per
  synapse, and the freed memory largely stays in the process;
  peak RSS of the child (ru_maxrss) and the time to make the projections.
Results go to bench/results/connectivity_memory-*.json.
"""

import argparse
import ctypes
import datetime
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vogels_abbott as va  # noqa: E402

NETWORKS = {
    # cells E, I; connection probability
    "va": (va.N_EXC, va.N_INH, va.P_CONN),
    "large": (32000, 8000, 0.0025),
}
BENCHMARK = "CUBA"


def connector_rng(simulator, network):
    if network == "va":
        return "numpy"
    return "native" if simulator == "nest" else "none"


def trimmed_rss_mib():
    """RSS after returning freed heap memory to the system (glibc)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return va.current_rss_mib()


def kernel_bytes(sim, projections):
    """Ranvier only: the kernel's bytes for all the projections' synapses."""
    kernel = sim.simulator.state.kernel
    return sum(kernel.proj_memory(h) for prj in projections.values()
               for h in prj._kernel.values())


def run_pynest(spec):
    """The same measurement with PyNEST, no PyNN (child process)."""
    try:
        import nest
    except Exception as err:
        raise va.NotInstalled("%s: %s" % (type(err).__name__, err)) from None
    n_exc, n_inh, p_conn = NETWORKS[spec["network"]]
    _, extra, w_exc, w_inh = va.BENCHMARKS[BENCHMARK]
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": va.DT, "local_num_threads": 1})
    params = dict(C_m=va.CELL["cm"] * 1000.0, tau_m=va.CELL["tau_m"],
                  tau_syn_ex=va.CELL["tau_syn_E"], tau_syn_in=va.CELL["tau_syn_I"],
                  E_L=extra["v_rest"], V_reset=va.CELL["v_reset"], V_th=va.CELL["v_thresh"],
                  t_ref=va.CELL["tau_refrac"])
    exc = nest.Create("iaf_psc_exp", n_exc, params=params)
    inh = nest.Create("iaf_psc_exp", n_inh, params=params)
    result = dict(rss_cells=va.current_rss_mib(), cells=n_exc + n_inh,
                  connector_rng="NEST pairwise_bernoulli")
    t0 = time.perf_counter()
    rule = {"rule": "pairwise_bernoulli", "p": p_conn}
    for pre, weight in ((exc, w_exc * 1000.0), (inh, w_inh * 1000.0)):   # nA -> pA
        for post in (exc, inh):
            nest.Connect(pre, post, rule, {"synapse_model": "static_synapse",
                                           "weight": weight, "delay": va.DELAY})
    result.update(connect_s=time.perf_counter() - t0, rss_connected=va.current_rss_mib())
    nest.Simulate(spec["run_ms"])
    result.update(rss_run=va.current_rss_mib(), peak_before_count_mib=va.peak_rss_mib())
    result.update(rss_trimmed=trimmed_rss_mib(), synapses=int(nest.num_connections))
    return result


def run_memory(spec):
    """One measurement (child process)."""
    simulator, network = spec["simulator"], spec["network"]
    if simulator == "pynest":
        return run_pynest(spec)
    n_exc, n_inh, p_conn = NETWORKS[network]
    sim = va.import_simulator(simulator)
    va.setup(sim, BENCHMARK)
    marks = {}

    def after_populations():
        marks["rss_cells"] = va.current_rss_mib()
        marks["t"] = time.perf_counter()

    exc, inh, projections = va.build_network(
        sim, BENCHMARK, n_exc=n_exc, n_inh=n_inh, p_conn=p_conn,
        connector_rng=connector_rng(simulator, network), record=False,
        after_populations=after_populations)
    result = dict(connect_s=time.perf_counter() - marks["t"], rss_cells=marks["rss_cells"],
                  rss_connected=va.current_rss_mib(), cells=n_exc + n_inh,
                  connector_rng=connector_rng(simulator, network))
    if simulator == "ranvier":
        result["kernel_bytes_before_run"] = kernel_bytes(sim, projections)
    sim.run(spec["run_ms"])
    result["rss_run"] = va.current_rss_mib()
    result["peak_before_count_mib"] = va.peak_rss_mib()
    result["rss_trimmed"] = trimmed_rss_mib()
    if simulator == "ranvier":
        result["kernel_bytes"] = kernel_bytes(sim, projections)
    result["synapses"] = int(sum(prj.size() for prj in projections.values()))
    sim.end()
    return result


def per_synapse(result, key):
    return (result[key] - result["rss_cells"]) * 2**20 / result["synapses"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--child" in argv:
        return va.child_main(argv, run_memory)
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--simulators", default="ranvier,nest,pynest",
                        type=lambda s: va.parse_list(s, va.SIMULATORS + ("pynest",)),
                        help="PyNN backends, and pynest: NEST without PyNN "
                             "(default ranvier,nest,pynest)")
    parser.add_argument("--networks", default="va,large",
                        type=lambda s: va.parse_list(s, tuple(NETWORKS)))
    parser.add_argument("--run-ms", type=float, default=10.0,
                        help="ms simulated after connecting (default 10)")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)

    runs = []
    for network in args.networks:
        for simulator in args.simulators:
            spec = dict(simulator=simulator, network=network, run_ms=args.run_ms)
            runs.append(va.run_child(os.path.abspath(__file__), spec, timeout=args.timeout))

    header = ("simulator", "network", "cells", "synapses", "connect s", "cells MiB",
              "+conn MiB", "+run MiB", "+trim MiB", "B/syn conn", "B/syn run", "B/syn trim",
              "kernel B/syn", "peak MiB")
    widths = (9, 7, 6, 9, 9, 9, 9, 8, 9, 10, 9, 10, 12, 8)
    line = "  ".join(h.rjust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in runs:
        if r["status"] != "ok":
            print("%9s  %7s  %s (%s)" % (r["simulator"], r["network"], r["status"], r.get("reason")))
            continue
        kernel = "-"
        if "kernel_bytes" in r:
            kernel = "%.1f / %.1f" % (r["kernel_bytes_before_run"] / r["synapses"],
                                      r["kernel_bytes"] / r["synapses"])
        cells = (r["simulator"], r["network"], str(r["cells"]), str(r["synapses"]),
                 "%.2f" % r["connect_s"], "%.0f" % r["rss_cells"],
                 "%.1f" % (r["rss_connected"] - r["rss_cells"]),
                 "%.1f" % (r["rss_run"] - r["rss_cells"]),
                 "%.1f" % (r["rss_trimmed"] - r["rss_cells"]),
                 "%.1f" % per_synapse(r, "rss_connected"), "%.1f" % per_synapse(r, "rss_run"),
                 "%.1f" % per_synapse(r, "rss_trimmed"),
                 kernel, "%.0f" % r["peak_before_count_mib"])
        print("  ".join(c.rjust(w) for c, w in zip(cells, widths)))
    print("+conn / +run / +trim: RSS increase over the cells' RSS after making the projections / "
          "after sim.run(%g ms) / after that and malloc_trim(0);\nB/syn: those increases per "
          "synapse; kernel B/syn: Ranvier's rv_proj_memory() per synapse before / after the run."
          % args.run_ms)
    path = va.write_results("connectivity_memory", dict(
        command=" ".join([sys.executable] + sys.argv),
        machine=va.machine_info(), revision=va.git_revision(),
        date=datetime.datetime.now().isoformat(timespec="seconds"),
        options=vars(args), runs=runs))
    print("Results: %s" % os.path.relpath(path))
    return 0 if all(r["status"] == "ok" for r in runs if r["simulator"] == "ranvier") else 1


if __name__ == "__main__":
    sys.exit(main())
