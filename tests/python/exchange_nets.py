"""Small networks for the exchange tests (NeuroML, SONATA)."""

import numpy as np


def vogels_abbott(sim, n=200, seed=7, cell="IF_cond_exp", stdp=False,
                  dendritic_delay_fraction=1.0):
    """A Vogels-Abbott-like network (80 % excitatory, 2 % connectivity,
    random initial v), driven by a Poisson population and a spike array,
    with a DC and a step current source.  Records spikes of E and I and v
    of a few E cells.  stdp: E->E plastic, with the given
    dendritic_delay_fraction (NeuroML can express 0 only)."""
    from pyNN.random import NumpyRNG, RandomDistribution
    sim.setup(timestep=0.1, min_delay=0.2, rng_seed=seed)
    rng = NumpyRNG(seed=seed)
    n_e = n * 4 // 5
    cond = "cond" in cell
    params = dict(tau_m=20.0, tau_refrac=5.0, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0,
                  tau_syn_E=5.0, tau_syn_I=10.0, cm=0.2, i_offset=0.0)
    if cond:
        params.update(e_rev_E=0.0, e_rev_I=-80.0)
    celltype = getattr(sim, cell)(**params)
    v_init = RandomDistribution("uniform", (-60.0, -50.0), rng=rng)
    E = sim.Population(n_e, celltype, initial_values={"v": v_init}, label="E")
    I = sim.Population(n - n_e, celltype, initial_values={"v": v_init}, label="I")
    I.set(tau_m=RandomDistribution("uniform", (15.0, 25.0), rng=rng))   # heterogeneous
    E.positions = positions(n_e)
    drive = sim.Population(20, sim.SpikeSourcePoisson(rate=50.0, start=0.0, duration=1e9),
                           label="drive")
    kick = sim.Population(3, sim.SpikeSourceArray(spike_times=[[5.0, 7.5], [10.0], []]),
                          label="kick")
    w_e, w_i = (0.004, 0.051) if cond else (0.27, -4.5)
    w_d = 0.01 if cond else 1.0
    conn = sim.FixedProbabilityConnector(0.02 * 10, rng=rng)
    syn_e = sim.StaticSynapse(weight=w_e, delay=RandomDistribution("uniform", (0.2, 2.0), rng=rng))
    syn_i = sim.StaticSynapse(weight=w_i, delay=0.2)
    if stdp:
        syn_ee = sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                                A_minus=0.012),
            weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=2 * w_e),
            dendritic_delay_fraction=dendritic_delay_fraction, weight=w_e, delay=RandomDistribution("uniform", (0.2, 2.0), rng=rng))
    else:
        syn_ee = syn_e
    sim.Projection(E, E, conn, syn_ee, receptor_type="excitatory", label="EE")
    sim.Projection(E, I, conn, syn_e, receptor_type="excitatory", label="EI")
    sim.Projection(I, E, conn, syn_i, receptor_type="inhibitory", label="IE")
    sim.Projection(I, I, conn, syn_i, receptor_type="inhibitory", label="II")
    sim.Projection(drive, E, sim.FixedProbabilityConnector(0.3, rng=rng),
                   sim.StaticSynapse(weight=w_d * 2, delay=1.0), label="driveE")
    sim.Projection(kick, I, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=w_d, delay=0.5), label="kickI")
    dc = sim.DCSource(amplitude=0.1 if not cond else 0.05, start=20.0, stop=80.0)
    dc.inject_into(E[0:10])
    step = sim.StepCurrentSource(times=[30.0, 60.0], amplitudes=[0.2, 0.0])
    step.inject_into(I)
    ac = sim.ACSource(amplitude=0.05, offset=0.01, frequency=25.0, phase=30.0, start=10.0,
                      stop=120.0)
    ac.inject_into(E[5:15])
    E.record("spikes")
    I.record("spikes")
    E[0:3].record("v")
    return E, I


def spikes_of(pop):
    """(indices, times) of a population's spikes, sorted by time then index."""
    ids, times = pop.recorder._get_spiketimes(pop.all_cells)
    index = np.asarray(ids, dtype=np.int64) - int(pop.first_id)
    order = np.lexsort((index, times))
    return index[order], np.asarray(times)[order]


def positions(n):
    """Positions that are not PyNN's default grid (to see them travel)."""
    k = np.arange(n, dtype=float)
    return np.vstack([1.5 * k, np.sin(k), np.full(n, -2.25)])
