"""
A plastic network: the Vogels-Abbott COBA network with STDP on E->E,
Ranvier against the reference PyNN backends side by side in one run.

    python bench/plastic_network.py [--simulators ranvier,neuron,nest]
                                    [--repeats 3] [--tstop 1000] [--timeout 900]

The network is bench/vogels_abbott.py's COBA network (PyNN's
examples/VAbenchmarks.py; same cells, NumpyRNG connections, kick, recording)
with the 204,712 E->E synapses made plastic:

    STDPMechanism(SpikePairRule(tau_plus=20, tau_minus=20, A_plus=0.001,
                                A_minus=0.0012),
                  AdditiveWeightDependence(w_min=0, w_max=0.008),
                  weight=0.004, delay=0.2)        (uS, ms; dendritic_delay_fraction 1)

i.e. pair-based additive STDP (all-to-all pairing, PyNN's SpikePairRule;
NEST stdp_synapse with mu = 0), the weight starting at the static network's
0.004 uS and bounded by twice that (amplitudes small enough that the
network keeps firing at its static rates over seconds: stronger
depression silences it within 2 s, which would make the plastic run look
cheap).  Each simulator also runs the static
network (the E->E synapses StaticSynapse), in its own child process, so
that the slowdown plastic / static is measured on the same machine in the
same run.

Printed per simulator (medians over --repeats): build and simulation time
of the static and the plastic network, the slowdown plastic / static of the
simulation and the extra time per plastic synaptic event (the difference of
the two simulation times over the number of E spikes times the E->E
out-degree: what plasticity costs, independent of how cheap the rest is),
E and I rates of the plastic network, the mean E->E weight after
the run (the weights did move), and the ratios simulator / Ranvier of the
plastic network's build and simulation times.  All runs go as JSON to
bench/results/plastic_network-*.json.  Children are single-threaded (see
bench/vogels_abbott.py); brian2 (minutes of code generation per run) is not
in the default list.
"""

import argparse
import datetime
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vogels_abbott as va  # noqa: E402

W_EXC = va.BENCHMARKS["COBA"][2]          # 0.004 uS
STDP = dict(tau_plus=20.0, tau_minus=20.0, A_plus=0.001, A_minus=0.0012)
W_MIN, W_MAX = 0.0, 2 * W_EXC
VARIANTS = ("static", "plastic")


def stdp_synapse(sim):
    return sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(**STDP),
        weight_dependence=sim.AdditiveWeightDependence(w_min=W_MIN, w_max=W_MAX),
        weight=W_EXC, delay=va.DELAY)


def mean_weight(projection):
    weights = projection.get("weight", format="list", with_address=False)
    return float(statistics.fmean(weights))


def run_plastic(spec):
    """One run of the static or the plastic network (child process)."""
    t0 = time.perf_counter()
    sim = va.import_simulator(spec["simulator"])
    import_s = time.perf_counter() - t0
    plastic = spec["variant"] == "plastic"

    t0, c0 = time.perf_counter(), time.process_time()
    va.setup(sim, "COBA")
    exc, inh, projections = va.build_network(
        sim, "COBA", e2e_synapse=stdp_synapse(sim) if plastic else None)
    build_s, build_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    va.checkpoint(import_s=import_s, build_s=build_s)

    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(spec["tstop"])
    sim_s, sim_cpu_s = time.perf_counter() - t0, time.process_time() - c0

    result = dict(import_s=import_s, build_s=build_s, build_cpu_s=build_cpu_s, sim_s=sim_s,
                  sim_cpu_s=sim_cpu_s,
                  rate_exc=exc.mean_spike_count() * 1000.0 / spec["tstop"],
                  rate_inh=inh.mean_spike_count() * 1000.0 / spec["tstop"],
                  e2e_synapses=int(projections["e2e"].size()),
                  version=va.simulator_version(spec["simulator"]))
    if plastic:
        result["e2e_mean_weight"] = mean_weight(projections["e2e"])
    sim.end()
    return result


def medians(runs, simulator, variant):
    ok = [r for r in runs if r["simulator"] == simulator and r["variant"] == variant
          and r.get("status") == "ok"]
    if not ok:
        return None
    keys = ("build_s", "sim_s", "sim_cpu_s", "rate_exc", "rate_inh", "e2e_mean_weight",
            "e2e_synapses", "peak_mib")
    row = {k: statistics.median(r[k] for r in ok) for k in keys if k in ok[0]}
    row["n"] = len(ok)
    return row


def print_table(runs, simulators, tstop):
    header = ("simulator", "n", "static build", "static sim", "plastic build", "plastic sim",
              "slowdown", "ns/event", "E Hz", "I Hz", "mean w E->E", "peak MiB", "build x",
              "sim x")
    widths = (9, 2, 12, 10, 13, 11, 8, 8, 6, 6, 11, 8, 7, 6)
    line = "  ".join(h.rjust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    base = medians(runs, "ranvier", "plastic")
    summary = {}
    for simulator in simulators:
        static, plastic = medians(runs, simulator, "static"), medians(runs, simulator, "plastic")
        if not static or not plastic:
            failed = [r for r in runs if r["simulator"] == simulator and r["status"] != "ok"]
            reason = failed[-1].get("reason") if failed else "not run"
            print("%9s  %s: %s" % (simulator, failed[-1]["status"] if failed else "-", reason))
            continue
        slowdown = plastic["sim_s"] / static["sim_s"]
        # the extra time per plastic synaptic event: the E spikes (rate x N_E x
        # T) times the mean E->E out-degree (synapses / N_E)
        events = plastic["rate_exc"] * tstop / 1000.0 * plastic["e2e_synapses"]
        extra_ns = (plastic["sim_s"] - static["sim_s"]) / events * 1e9
        build_x = plastic["build_s"] / base["build_s"] if base else None
        sim_x = plastic["sim_s"] / base["sim_s"] if base else None
        summary[simulator] = dict(static=static, plastic=plastic, slowdown=slowdown,
                                  extra_ns_per_event=extra_ns, build_ratio=build_x,
                                  sim_ratio=sim_x)
        cells = (simulator, str(min(static["n"], plastic["n"])),
                 "%.3f" % static["build_s"], "%.3f" % static["sim_s"],
                 "%.3f" % plastic["build_s"], "%.3f" % plastic["sim_s"], "%.2f" % slowdown,
                 "%.0f" % extra_ns,
                 "%.2f" % plastic["rate_exc"], "%.2f" % plastic["rate_inh"],
                 "%.5f" % plastic["e2e_mean_weight"], "%.0f" % plastic["peak_mib"],
                 va.fmt(build_x, ".1f"), va.fmt(sim_x, ".1f"))
        print("  ".join(c.rjust(w) for c, w in zip(cells, widths)))
    print("Medians over n runs of each network; times in s (wall clock), %g ms simulated;\n"
          "slowdown: plastic / static simulation time; ns/event: (plastic - static simulation "
          "time) per plastic synaptic event\n(E spikes x E->E out-degree); mean w: E->E weight "
          "after the run (uS, started at %g, bounds %g-%g);\nbuild x, sim x: the plastic "
          "network's times on the simulator / on Ranvier." % (tstop, W_EXC, W_MIN, W_MAX))
    return summary


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--child" in argv:
        return va.child_main(argv, run_plastic)
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--simulators", default="ranvier,neuron,nest",
                        type=lambda s: va.parse_list(s, va.SIMULATORS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tstop", type=float, default=va.TSTOP)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--cpu", type=int, help="pin every child to this CPU")
    args = parser.parse_args(argv)

    simulators = sorted(args.simulators, key=lambda s: s != "ranvier")
    info = va.machine_info()
    print("Plastic Vogels-Abbott COBA (STDP on E->E) on %s (%d logical CPUs), children "
          "single-threaded" % (info["cpu"], info["logical_cpus"]))
    runs, unavailable = [], set()
    for repeat in range(args.repeats):
        for simulator in simulators:
            for variant in VARIANTS:
                if simulator in unavailable:
                    continue
                spec = dict(simulator=simulator, variant=variant, tstop=args.tstop,
                            repeat=repeat)
                result = va.run_child(os.path.abspath(__file__), spec, timeout=args.timeout,
                                      cpu=args.cpu)
                runs.append(result)
                if result["status"] == "ok":
                    print("  %-7s %-7s #%d: build %.3f s, sim %.3f s (cpu %.3f s), E %.2f Hz, "
                          "I %.2f Hz" % (simulator, variant, repeat + 1, result["build_s"],
                                         result["sim_s"], result["sim_cpu_s"],
                                         result["rate_exc"], result["rate_inh"]), flush=True)
                else:
                    print("  %-7s %-7s #%d: %s (%s)" % (simulator, variant, repeat + 1,
                                                        result["status"], result.get("reason")),
                          flush=True)
                    if result["status"] == "not installed":
                        unavailable.add(simulator)
    print()
    summary = print_table(runs, simulators, args.tstop)
    busy = [r for r in runs if r.get("status") == "ok" and r["sim_cpu_s"] < 0.9 * r["sim_s"]]
    if busy:
        print("Note: %d run(s) got less than 90%% of a CPU during the simulation; other "
              "processes were competing." % len(busy))
    path = va.write_results("plastic_network", dict(
        command=" ".join([sys.executable] + sys.argv), machine=info,
        revision=va.git_revision(), date=datetime.datetime.now().isoformat(timespec="seconds"),
        options=vars(args), stdp=dict(STDP, w_min=W_MIN, w_max=W_MAX, weight=W_EXC),
        summary=summary, runs=runs))
    print("Results: %s" % os.path.relpath(path))
    return 0 if "ranvier" in summary else 1


if __name__ == "__main__":
    sys.exit(main())
