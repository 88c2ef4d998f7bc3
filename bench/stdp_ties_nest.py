"""Minimal tie case on an identical PyNN script for pyNN.ranvier and pyNN.nest.

Two IF_cond_exp cells, each driven to fire by its own SpikeSourceArray; one SpikeSourceArray
pre cell per post cell through STDPMechanism(d = 1, additive).  A first run finds the post
spike times; the pre spikes are then put (on the grid) at t_post + D, where the post spike is
seen at the synapse: post cell 0 gets ties, post cell 1 the same spikes shifted by +0.5 ms (no
ties).  Each simulator's weights are compared with a replay under two tie conventions:
  after:  a post spike seen at an arrival's time counts after it (Ranvier's kernel): the
          Delta t = 0 pair potentiates, at the next arrival
  before: it counts before (NEST's get_history over (t_last, t_spike]): it potentiates with
          the earlier arrivals only, the Delta t = 0 pair does nothing
Usage: stdp_ties_nest.py ranvier|nest
"""
import math
import sys

import numpy as np

SIMNAME = sys.argv[1] if len(sys.argv) > 1 else "ranvier"
if SIMNAME == "nest":
    import pyNN.nest as sim
else:
    import pyNN.ranvier as sim

D, DT, W0, WMAX = 1.0, 0.1, 0.004, 0.01
TP, TM, AP, AM = 20.0, 20.0, 0.05, 0.04
DRIVE = [20.0, 60.0, 100.0, 140.0]


def run(pre_times):
    sim.setup(timestep=DT, min_delay=0.1, max_delay=4.0)
    drive = sim.Population(2, sim.SpikeSourceArray(spike_times=[DRIVE, DRIVE]))
    post = sim.Population(2, sim.IF_cond_exp(tau_refrac=1.0))
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=pre_times))
    sim.Projection(drive, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1, delay=0.1))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=TP, tau_minus=TM, A_plus=AP, A_minus=AM),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=WMAX),
        weight=W0, delay=D, dendritic_delay_fraction=1.0)
    prj = sim.Projection(pre, post, sim.OneToOneConnector(), stdp)
    post.record("spikes")
    sim.run(200.0)
    w = np.array(prj.get("weight", format="list"))[:, 2]
    sts = post.get_data("spikes").segments[0].spiketrains
    tpost = [np.asarray(st.magnitude, dtype=float) for st in sts]
    sim.end()
    return w, tpost


def replay(pre, post, ties_after):
    w, kp, tl, eps = W0, 0.0, -math.inf, 1e-6 * DT
    seen = [t + D for t in post]
    for ts in pre:
        for s in seen:
            ok = (tl - eps <= s < ts - eps) if ties_after else (tl + eps <= s < ts + eps)
            if ok and kp > 0:
                w = min(WMAX, w + AP * WMAX * kp * math.exp(-(s - tl) / TP))
        km = sum(math.exp(-(ts - s) / TM) for s in seen if s < ts - eps)
        w = max(0.0, w - AM * WMAX * km)
        kp, tl = kp * math.exp(-(ts - tl) / TP) + 1.0, ts
    return w


_, tpost = run([[190.0], [190.0]])
t0 = tpost[0]
# times as short decimals: NEST stamps a precise spike time on the step it ends, so
# 21.700000000000003 would reach its synapse at 21.8
pre_times = [[round(t + D, 6) for t in t0], [round(t + D + 0.5, 6) for t in t0]]
w, tpost = run(pre_times)
print(f"{SIMNAME}: post spikes {list(tpost[0])} / {list(tpost[1])}; pre spikes {pre_times[0]} / {pre_times[1]}")
for i, label in enumerate(["ties", "no ties (+0.5 ms)"]):
    ra, rb = replay(pre_times[i], tpost[i], True), replay(pre_times[i], tpost[i], False)
    print(f"  {label}: {SIMNAME} w = {w[i]:.12g}; replay 'after' {ra:.12g} "
          f"(diff {w[i] - ra:.2e}); replay 'before' {rb:.12g} (diff {w[i] - rb:.2e})")
