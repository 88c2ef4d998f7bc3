"""
The cortical microcircuit of Potjans and Diesmann (2014) through PyNN, on
Ranvier by default.

    python examples/potjans2014.py [--scale 0.1] [--k-scale S] [--input poisson|DC]
                                   [--simulator ranvier] [--threads 2] [--tstop 1000]
    mpirun -np 2 python examples/potjans2014.py ...      # distributed (README: MPI)

77,169 IF_curr_exp neurons in eight populations (layers 2/3, 4, 5 and 6,
excitatory and inhibitory) at full scale, connected population to
population by FixedTotalNumberConnector with the in-degrees of the
published 8 x 8 connection-probability table, about 3.0e8 synapses.
Weights and delays are normal_clipped (mean PSC 87.8 pA with relative SD
0.1, inhibitory g = -4, L4E -> L2/3E doubled with relative SD 0.05; delays
1.5 ms (E) / 0.75 ms (I), relative SD 0.5, clipped at 0.1 ms).  Background:
one SpikeSourcePoisson per neuron at K_ext x 8 Hz, one-to-one, or the
equivalent DC current.  N_scaling scales the neuron numbers, K_scaling the
in-degrees, the background's included (weights then scale as 1/sqrt(K)
and a DC compensates the mean input, to keep the mean and variance of the
input, as in the model's PyNN and NEST implementations).

This is the network of PyNN's examples/Potjans2014 (which PyNN 0.13.0's
source distribution does not include), written for Ranvier with the same
PyNN calls in the same order: the same cell parameters, connectors (no
rng: PyNN's default NumpyRNG for FixedTotalNumberConnector), distributions
(their default, unseeded NumpyRNGs), initial v from NumpyRNG(seed=6508015),
min_delay 0.1 ms, spikes of every neuron and v of 2 % recorded.  So a
script written like PyNN's example takes the same path through the backend.

References: Potjans TC, Diesmann M (2014) The cell-type specific cortical
microcircuit: relating structure and activity in a full-scale spiking
network model. Cereb Cortex 24:785-806.
"""

import argparse
import importlib
import sys
import time

import numpy as np

from pyNN.random import NumpyRNG, RandomDistribution

LAYERS = ("L23", "L4", "L5", "L6")
TYPES = ("E", "I")
POPULATIONS = [layer + t for layer in LAYERS for t in TYPES]

# Neurons per population at full scale.
N_FULL = dict(L23E=20683, L23I=5834, L4E=21915, L4I=5479,
              L5E=4850, L5I=1065, L6E=14395, L6I=2948)

# Probability of at least one connection, target (row) from source (column),
# both in the order of POPULATIONS (Potjans and Diesmann 2014, Table 5).
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
])

# External (background) in-degrees per population.
K_EXT = dict(L23E=1600, L23I=1500, L4E=2100, L4I=1900,
             L5E=2000, L5I=1900, L6E=2900, L6I=2100)
BG_RATE = 8.0          # Hz per external synapse

# Mean rates of the full-scale model (used only to compensate downscaled
# in-degrees with a DC input).
FULL_MEAN_RATES = dict(L23E=0.971, L23I=2.868, L4E=4.746, L4I=5.396,
                       L5E=8.142, L5I=9.078, L6E=0.991, L6I=7.523)

# Reference mean rates of one NEST run (docs BENCHMARKS.md section 2).
REFERENCE_RATES = dict(L23E=0.90, L23I=2.97, L4E=4.41, L4I=5.88,
                       L5E=7.57, L5I=8.63, L6E=1.11, L6I=7.83)

CELL = dict(cm=0.25, i_offset=0.0, tau_m=10.0, tau_refrac=2.0, tau_syn_E=0.5,
            tau_syn_I=0.5, v_reset=-65.0, v_rest=-65.0, v_thresh=-50.0)
V0_MEAN, V0_SD, V0_SEED = -58.0, 5.0, 6508015

W_MEAN = 87.8e-3       # nA, every excitatory projection but L4E -> L2/3E
W_EXT = 87.8e-3        # nA, background
W_234 = 2 * W_MEAN     # nA, L4E -> L2/3E
W_REL, W_REL_234 = 0.1, 0.05
G = -4.0               # inhibitory weight relative to excitatory
D_MEAN = dict(E=1.5, I=0.75)     # ms, by source type
D_SD = dict(E=0.75, I=0.375)
D_MIN = 0.1

DT, MIN_DELAY = 0.1, 0.1
FRACTION_RECORD_SPIKES, FRACTION_RECORD_V = 1.0, 0.02


def full_indegrees():
    """In-degrees of the full-scale model, K[target][source], from the
    connection probabilities (pairs drawn with replacement)."""
    n = np.array([N_FULL[p] for p in POPULATIONS], dtype=float)
    n_target, n_source = n[:, None], n[None, :]
    pairs = n_target * n_source
    return np.round(np.log(1.0 - CONN_PROBS) / np.log((pairs - 1.0) / pairs)) / n_target


def weight_matrix():
    """Mean weight (nA) of every projection, [target][source]."""
    w = np.empty((8, 8))
    for t, target in enumerate(POPULATIONS):
        for s, source in enumerate(POPULATIONS):
            if source.endswith("I"):
                w[t, s] = G * W_MEAN
            elif source == "L4E" and target == "L23E":
                w[t, s] = W_234
            else:
                w[t, s] = W_MEAN
    return w


def scaled_inputs(K_full, k_scaling, w, dc, input_type):
    """Weights, background weight and in-degrees, and DC (nA) for in-degrees
    scaled by k_scaling: weights grow as 1/sqrt(k_scaling), the Poisson
    background's in-degrees shrink with the recurrent ones, and a DC restores
    the mean input of the full-scale model (diffusion approximation)."""
    dc_new, k_ext = {}, dict(K_EXT)
    for t, target in enumerate(POPULATIONS):
        mean_input = sum(w[t, s] * K_full[t, s] * FULL_MEAN_RATES[source]
                         for s, source in enumerate(POPULATIONS))
        if input_type == "poisson":
            mean_input += W_EXT * K_EXT[target] * BG_RATE
            k_ext[target] = K_EXT[target] * k_scaling
        dc_new[target] = (0.001 * CELL["tau_syn_E"] * (1.0 - np.sqrt(k_scaling)) * mean_input
                          + dc[target])
    return w / np.sqrt(k_scaling), W_EXT / np.sqrt(k_scaling), k_ext, dc_new


def connect(sim, source, target, source_type, indegree, w_mean, w_sd):
    """One recurrent projection, as the model's PyNN implementation makes
    it: a fixed total number of synapses, weights and delays
    normal_clipped (drawn from their own, unseeded NumpyRNGs)."""
    n_syn = int(round(indegree * target.size))
    connector = sim.FixedTotalNumberConnector(n_syn)
    delay = RandomDistribution("normal_clipped",
                               [D_MEAN[source_type], D_SD[source_type], D_MIN, np.inf])
    if source_type == "E":
        receptor = "excitatory"
        weight = RandomDistribution("normal_clipped", [w_mean, w_sd, 0.0, np.inf])
    else:
        receptor = "inhibitory"
        weight = RandomDistribution("normal_clipped", [w_mean, w_sd, -np.inf, 0.0])
    synapse = sim.StaticSynapse(weight=weight, delay=delay)
    return sim.Projection(source, target, connector, synapse, receptor_type=receptor)


def build_network(sim, n_scaling=1.0, k_scaling=1.0, input_type="poisson", record_v=True,
                  fraction_spikes=FRACTION_RECORD_SPIKES, fraction_v=FRACTION_RECORD_V):
    """Creates the network after sim.setup(); returns (populations, projections),
    dicts keyed by population name ("L23E", ...) and (target, source)."""
    w = weight_matrix()
    cell_type = sim.IF_curr_exp(**CELL)
    v0 = RandomDistribution("normal", [V0_MEAN, V0_SD],
                            rng=NumpyRNG(seed=V0_SEED, parallel_safe=True))
    populations = {}
    for name in POPULATIONS:
        pop = sim.Population(int(N_FULL[name] * n_scaling), cell_type, label=name)
        pop.initialize(v=v0)
        pop.annotate(type=name[-1])
        # (a view of no cells cannot record: PyNN's PopulationView needs one)
        n_spikes, n_v = round(pop.size * fraction_spikes), round(pop.size * fraction_v)
        if n_spikes:
            pop[0:n_spikes].record("spikes")
        if record_v and n_v:
            pop[0:n_v].record("v")
        populations[name] = pop

    if input_type == "DC":
        dc = {name: BG_RATE * K_EXT[name] * W_MEAN * CELL["tau_syn_E"] / 1000.0
              for name in POPULATIONS}
    elif input_type == "poisson":
        dc = {name: 0.0 for name in POPULATIONS}
    else:
        raise ValueError("input_type must be 'poisson' or 'DC', not %r" % (input_type,))
    K_full = full_indegrees()
    w_ext, k_ext = W_EXT, K_EXT
    if k_scaling != 1:
        w, w_ext, k_ext, dc = scaled_inputs(K_full, k_scaling, w, dc, input_type)

    projections = {}
    for t, target_name in enumerate(POPULATIONS):
        target = populations[target_name]
        if input_type == "DC" or k_scaling != 1:
            target.set(i_offset=dc[target_name])
        if input_type == "poisson":
            background = sim.Population(target.size, sim.SpikeSourcePoisson(
                rate=BG_RATE * k_ext[target_name]), label=target_name + "_background")
            sim.Projection(background, target, sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=w_ext), receptor_type="excitatory")
        for s, source_name in enumerate(POPULATIONS):
            weight = w[t, s]
            if source_name == "L4E" and target_name == "L23E":
                w_sd = weight * W_REL_234
            else:
                w_sd = abs(weight * W_REL)
            projections[target_name, source_name] = connect(
                sim, populations[source_name], target, source_name[-1],
                K_full[t, s] * k_scaling, weight, w_sd)
    return populations, projections


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="N_scaling (default 0.1)")
    parser.add_argument("--k-scale", type=float, default=None,
                        help="K_scaling (default: equal to --scale)")
    parser.add_argument("--input", choices=("poisson", "DC"), default="poisson")
    parser.add_argument("--simulator", default="ranvier")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tstop", type=float, default=1000.0, help="ms (default 1000)")
    args = parser.parse_args(argv)
    k_scale = args.scale if args.k_scale is None else args.k_scale

    sim = importlib.import_module("pyNN.%s" % args.simulator)
    sim.setup(timestep=DT, min_delay=MIN_DELAY, threads=args.threads)
    t0 = time.perf_counter()
    populations, projections = build_network(sim, args.scale, k_scale, args.input)
    build_time = time.perf_counter() - t0
    n_synapses = sum(p.size() for p in projections.values())
    t0 = time.perf_counter()
    sim.run(args.tstop)
    sim_time = time.perf_counter() - t0

    # gathered on rank 0 under mpirun (every process takes part)
    rates = {name: pop.mean_spike_count() * 1000.0 / args.tstop
             for name, pop in populations.items()}
    sim.end()
    if sim.rank() != 0:
        return 0
    print("Potjans-Diesmann microcircuit on %s: N_scaling %g, K_scaling %g, %s background, "
          "%d threads%s" % (args.simulator, args.scale, k_scale, args.input, args.threads,
                            "" if sim.num_processes() == 1
                            else " x %d processes" % sim.num_processes()))
    print("%d neurons, %d recurrent synapses; build %.2f s, simulation of %g ms %.2f s"
          % (sum(p.size for p in populations.values()), n_synapses, build_time, args.tstop,
             sim_time))
    print("population  rate (Hz)  reference")
    for name in populations:
        print("%-10s  %9.2f  %9.2f" % (name, rates[name], REFERENCE_RATES[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
