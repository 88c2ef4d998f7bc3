"""
The network test_mpi.py runs with 1, 2 and 4 processes (and 1 or 2
threads each): every kind of randomness and plasticity through PyNN, with
seeded NumpyRNGs (fastconnect and PyNN's own algorithm) and the kernel's
native RNG.  Rank 0 writes what every process gathered to an .npz file,
and PyNN writes E's data (OUT.exc.pkl) and the STDP projection
(OUT.stdp.txt).

    [mpirun -np N] python network.py OUT.npz [threads]
"""

import sys

import numpy as np

import pyNN.ranvier as sim
from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.ranvier.random import NativeRNG

out, threads = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
sim.setup(timestep=0.1, min_delay=0.5, threads=threads, rng_seed=11)
rng = NumpyRNG(seed=2024)
native = NativeRNG(seed=7)

exc = sim.Population(90, sim.IF_cond_exp(tau_refrac=2.0, i_offset=0.1), label="E")
exc.initialize(v=RandomDistribution("uniform", (-65.0, -52.0), rng=rng))
inh = sim.Population(3, sim.IF_curr_exp(tau_m=RandomDistribution("uniform", (10.0, 20.0),
                                                                 rng=rng)), label="I")
izh = sim.Population(13, sim.Izhikevich(i_offset=0.01), label="Izh")
poisson = sim.Population(90, sim.SpikeSourcePoisson(rate=400.0), label="bg")
array = sim.Population(5, sim.SpikeSourceArray(
    spike_times=[[1.0 + 7 * i + k * 13.0 for k in range(12)] for i in range(5)]), label="arr")
gamma = sim.Population(6, sim.SpikeSourceGamma(alpha=3.0, beta=200.0), label="gamma")

static = sim.StaticSynapse
sim.Projection(poisson, exc, sim.OneToOneConnector(), static(weight=0.012, delay=0.5))
stdp = sim.Projection(exc, exc, sim.FixedProbabilityConnector(0.1, rng=rng),
               sim.STDPMechanism(timing_dependence=sim.SpikePairRule(tau_plus=20.0,
                                                                      tau_minus=20.0,
                                                                      A_plus=0.01,
                                                                      A_minus=0.012),
                                 weight_dependence=sim.AdditiveWeightDependence(w_max=0.02),
                                 weight=RandomDistribution("uniform", (0.001, 0.01), rng=rng),
                                 delay=RandomDistribution("uniform", (0.5, 2.0), rng=rng)),
               label="stdp")
sim.Projection(exc, inh, sim.FixedNumberPreConnector(12, rng=native),
               static(weight=RandomDistribution("normal_clipped", (1.5, 0.5, 0.0, 3.0),
                                                rng=native), delay=1.0),
               receptor_type="excitatory")
sim.Projection(inh, exc, sim.AllToAllConnector(), static(weight=0.02, delay=0.6),
               receptor_type="inhibitory")
sim.Projection(array, izh, sim.AllToAllConnector(),
               sim.TsodyksMarkramSynapse(U=0.4, tau_rec=100.0, weight=10.0, delay=1.0))
sim.Projection(gamma, izh, sim.FixedProbabilityConnector(0.5, rng=rng),
               sim.SimpleStochasticSynapse(p=0.5, weight=8.0, delay=0.8))
sim.Projection(sim.Assembly(exc[:10], inh), izh[2:9],
               sim.FromListConnector([(0, 0, 1.0, 0.5), (3, 5, 2.0, 1.5), (10, 6, 3.0, 0.7)],
                                     column_names=["weight", "delay"]))
noise = sim.NoisyCurrentSource(mean=0.05, stdev=0.3, dt=0.5)
noise.inject_into(exc[40:70])

for p in (exc, inh, izh, poisson, array, gamma):
    p.record("spikes")
exc[::9].record("v")
izh.record(["v", "u"])
sim.run(120.0)

result = {}
for p in (exc, inh, izh, poisson, array, gamma):
    block = p.get_data(gather=True)
    if sim.rank() == 0:
        trains = block.segments[0].spiketrains
        result["spikes_" + p.label] = np.concatenate(
            [np.column_stack([np.full(len(st), st.annotations["source_index"]), st.magnitude])
             for st in trains] or [np.zeros((0, 2))])
        for sig in block.segments[0].analogsignals:
            order = np.argsort(sig.array_annotations["channel_index"])
            result["%s_%s" % (sig.name, p.label)] = sig.magnitude[:, order]
counts = exc.get_spike_counts(gather=True)
mean_i = inh.mean_spike_count()
weights = stdp.get("weight", format="array", gather=True)
tau = inh.get("tau_m", gather=True)
if sim.rank() == 0:
    result["counts"] = np.array([counts[i] for i in sorted(counts)])
    result["mean_inh"] = np.array(mean_i)
    result["stdp_weights"] = weights
    result["tau_m"] = np.asarray(tau)
    np.savez(out, processes=sim.num_processes(), **result)
# files written once, by rank 0, complete
exc.write_data(out + ".exc.pkl", gather=True)
stdp.save("all", out + ".stdp.txt", format="list", gather=True)
sim.end()
