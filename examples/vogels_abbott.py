"""
The Vogels-Abbott balanced network (Brette et al. 2007, benchmarks 1 and 2)
through PyNN, on Ranvier by default.

    python examples/vogels_abbott.py [--benchmark COBA|CUBA] [--simulator ranvier]
                                     [--plot FILE | --no-plot]
    mpirun -np 2 python examples/vogels_abbott.py     # distributed (README: MPI)

Follows PyNN's examples/VAbenchmarks.py (see docs BENCHMARKS.md section 1):
3200 excitatory and 800 inhibitory integrate-and-fire neurons (IF_cond_exp
for COBA, IF_curr_exp for CUBA), all four pathways connected with
FixedProbabilityConnector(0.02) drawing from NumpyRNG(seed=98765), delay
0.2 ms, initial membrane potential uniform in [-60, -50] mV, 1000 ms
simulated.  COBA: weights 0.004 uS (E) and 0.051 uS (I), and 20 Poisson
"kick" sources at 100 Hz for the first 50 ms, connected with probability
0.01 and weight 0.1 uS.  CUBA: weights 0.0162 nA and -0.09 nA, resting
potential -49 mV (above threshold), no kick, as in VAbenchmarks.py.

Prints the excitatory and inhibitory rates, build and simulation times,
and writes a spike raster with the population rate as a PNG.
--simulator takes any PyNN backend name (ranvier, nest, neuron, brian2).
"""

import argparse
import importlib
import os
import sys
import time

from pyNN.random import NumpyRNG, RandomDistribution

N_EXC, N_INH = 3200, 800
P_CONN = 0.02
SEED = 98765
DT, DELAY, TSTOP = 0.1, 0.2, 1000.0

CELL = dict(cm=0.2, tau_m=20.0, v_thresh=-50.0, v_reset=-60.0, tau_refrac=5.0,
            tau_syn_E=5.0, tau_syn_I=10.0)
BENCHMARKS = {
    # cell type, extra cell parameters, excitatory and inhibitory weights
    "COBA": ("IF_cond_exp", dict(v_rest=-60.0, e_rev_E=0.0, e_rev_I=-80.0), 0.004, 0.051),
    "CUBA": ("IF_curr_exp", dict(v_rest=-49.0),
             1e-3 * 0.27 * (0.0 - -60.0), 1e-3 * 4.5 * (-80.0 - -60.0)),
}
N_KICK, KICK_RATE, KICK_DURATION, KICK_P, KICK_WEIGHT = 20, 100.0, 50.0, 0.01, 0.1


def build_and_run(sim, benchmark):
    celltype_name, extra, w_exc, w_inh = BENCHMARKS[benchmark]
    sim.setup(timestep=DT, min_delay=DELAY, max_delay=1.0, threads=1)
    t0 = time.perf_counter()   # build time: from after setup() to ready to run
    celltype = getattr(sim, celltype_name)(**CELL, **extra)
    exc = sim.Population(N_EXC, celltype, label="Excitatory")
    inh = sim.Population(N_INH, celltype, label="Inhibitory")

    rng = NumpyRNG(seed=SEED, parallel_safe=True)
    v_init = RandomDistribution("uniform", low=CELL["v_reset"], high=CELL["v_thresh"], rng=rng)
    exc.initialize(v=v_init)
    inh.initialize(v=v_init)

    connector = sim.FixedProbabilityConnector(P_CONN, rng=rng)
    exc_syn = sim.StaticSynapse(weight=w_exc, delay=DELAY)
    inh_syn = sim.StaticSynapse(weight=w_inh, delay=DELAY)
    projections = [
        sim.Projection(exc, exc, connector, exc_syn, receptor_type="excitatory"),
        sim.Projection(exc, inh, connector, exc_syn, receptor_type="excitatory"),
        sim.Projection(inh, exc, connector, inh_syn, receptor_type="inhibitory"),
        sim.Projection(inh, inh, connector, inh_syn, receptor_type="inhibitory"),
    ]
    if benchmark == "COBA":
        kick = sim.Population(N_KICK, sim.SpikeSourcePoisson(rate=KICK_RATE, duration=KICK_DURATION),
                              label="Kick")
        kick_conn = sim.FixedProbabilityConnector(KICK_P)
        kick_syn = sim.StaticSynapse(weight=KICK_WEIGHT, delay=DELAY)
        for target in (exc, inh):
            sim.Projection(kick, target, kick_conn, kick_syn, receptor_type="excitatory")

    exc.record("spikes")
    inh.record("spikes")
    n_synapses = sum(prj.size() for prj in projections)
    build_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    sim.run(TSTOP)
    sim_time = time.perf_counter() - t0

    rate_exc = exc.mean_spike_count() * 1000.0 / TSTOP
    rate_inh = inh.mean_spike_count() * 1000.0 / TSTOP
    spikes = {label: [st.magnitude for st in pop.get_data("spikes").segments[0].spiketrains]
              for label, pop in (("E", exc), ("I", inh))}
    sim.end()
    return dict(rate_exc=rate_exc, rate_inh=rate_inh, build_time=build_time,
                sim_time=sim_time, n_synapses=n_synapses, spikes=spikes)


def plot(result, benchmark, simulator, filename):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True,
                             gridspec_kw=dict(height_ratios=[3, 1.2, 1.2]))
    all_times = []
    for ax, label, color in ((axes[0], "E", "tab:blue"), (axes[1], "I", "tab:red")):
        trains = result["spikes"][label]
        times = np.concatenate(trains)
        ids = np.concatenate([np.full(len(t), i) for i, t in enumerate(trains)])
        ax.scatter(times, ids, s=1.5, c=color, marker=".", linewidths=0, rasterized=True)
        ax.set_ylabel("%s neuron" % label)
        ax.set_ylim(0, len(trains))
        all_times.append(times)
    axes[0].set_title("Vogels-Abbott %s on %s: E %.1f Hz, I %.1f Hz"
                      % (benchmark, simulator, result["rate_exc"], result["rate_inh"]))
    bin_ms = 5.0
    bins = np.arange(0.0, TSTOP + bin_ms, bin_ms)
    counts, _ = np.histogram(np.concatenate(all_times), bins=bins)
    axes[2].bar(bins[:-1], counts / ((N_EXC + N_INH) * bin_ms * 1e-3), width=bin_ms,
                align="edge", color="0.3")
    axes[2].set_ylabel("rate (Hz)")
    axes[2].set_xlabel("time (ms)")
    axes[2].set_xlim(0, TSTOP)
    fig.tight_layout()
    directory = os.path.dirname(filename)
    if directory:
        os.makedirs(directory, exist_ok=True)
    fig.savefig(filename, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), default="COBA")
    parser.add_argument("--simulator", default="ranvier",
                        help="PyNN backend name: ranvier (default), nest, neuron, brian2, ...")
    parser.add_argument("--plot", metavar="FILE",
                        help="PNG to write (default out/vogels_abbott_<benchmark>.png, "
                             "with _<simulator> appended for other simulators)")
    parser.add_argument("--no-plot", action="store_true", help="write no figure")
    args = parser.parse_args(argv)

    sim = importlib.import_module("pyNN.%s" % args.simulator)
    result = build_and_run(sim, args.benchmark)
    if sim.rank() != 0:   # under mpirun, one process reports (the data are gathered there)
        return 0

    print("Vogels-Abbott %s network on %s: %d E + %d I neurons, %d synapses, %g ms%s"
          % (args.benchmark, args.simulator, N_EXC, N_INH, result["n_synapses"], TSTOP,
             "" if sim.num_processes() == 1 else ", %d processes" % sim.num_processes()))
    print("Excitatory rate : %.2f Hz" % result["rate_exc"])
    print("Inhibitory rate : %.2f Hz" % result["rate_inh"])
    print("Build time      : %.3f s" % result["build_time"])
    print("Simulation time : %.3f s" % result["sim_time"])
    if not args.no_plot:
        filename = args.plot
        if filename is None:
            suffix = "" if args.simulator == "ranvier" else "_" + args.simulator
            filename = os.path.join("out", "vogels_abbott_%s%s.png" % (args.benchmark, suffix))
        plot(result, args.benchmark, args.simulator, filename)
        print("Spike raster    : %s" % os.path.abspath(filename))
    return 0


if __name__ == "__main__":
    sys.exit(main())
