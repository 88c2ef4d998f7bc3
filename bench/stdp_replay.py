"""Independent replay of Ranvier's STDP rule (SpikePairRule, any weight dependence).

Builds a small recurrent network (Poisson -> E static, E -> E STDP through an explicit
connection list with multapses, autapses, several delays including the minimum, weights at
the bounds), records every spike, reads the final weights, and replays each synapse from the
recorded spike trains with the documented rule (MODELS.md, src/synapses/stdp.c):

  * synapse of delay D, dendritic fraction f: a presynaptic spike at t_pre reaches it at
    ts = t_pre + (1 - f) D, a postsynaptic spike at t_post is seen at t_post + f D;
  * at an arrival ts: every post spike seen in [t_last, ts) potentiates, in order, with
    K+(seen) = K+(t_last) e^(-(seen - t_last)/tau_plus) (K+ includes the arrival at
    t_last); then the arrival depresses with K-(ts) = sum over post spikes seen strictly
    before ts of e^(-(ts - seen)/tau_minus); then K+ <- K+ e^(-(ts - t_last)/tau_plus) + 1;
  * a post spike seen at the same time as an arrival counts as after it; all-to-all pairs;
  * w clipped to [w_min, w_max] after every change;
  * an arrival is applied if its update has run by the end of the run: f >= 1/2, always
    (t_pre <= T); f < 1/2, when ceil((ts - fD)/dt - 1) <= T/dt (deferred update).

Usage: stdp_replay.py [--seed S] [--f F] [--wdep add|mult|apmd|gutig] [--threads N]
                      [--min-delay M] [--tstop T] [--cell cond|curr] [--split T1]
                      [--nest-ties] [--apply-all] [--no-shim]
Prints the worst per-synapse mismatches and a summary line (exit status 1 on a mismatch
beyond 1e-12 w_max).

Findings (2026-12): every synapse matches to <= 4e-15 w_max (f = 0, 0.3, 0.5, 0.8, 1; four
weight dependences; seeds 1-5; threads 1 and 2, identical weights; min_delay 0.1/0.2/0.5; cond
and curr cells; a run split in two).  Two replay rules matter, and each alone leaves a few
percent of the synapses off: --nest-ties (NEST's tie rule: 9-26 of 367 off, up to 0.24 w_max,
seeds 1-2, f = 0, 0.3, 1; 40-48 at f = 1/2, where every spike of an autapse is a tie) and
--apply-all (ignoring the end-of-run rule: 5-13 of 367 off, up to 0.09 w_max, f = 0, 0.3).  --no-shim shows
the FromListConnector bug of unfixed backends (every non-additive run off by up to 0.8 w_max,
the kernel having run the additive rule).
"""
import argparse
import math
import sys

import numpy as np


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--f", type=float, default=0.0)
    ap.add_argument("--wdep", default="add")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-delay", type=float, default=0.1)
    ap.add_argument("--tstop", type=float, default=1000.0)
    ap.add_argument("--cell", default="cond")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--nsyn", type=int, default=300)
    ap.add_argument("--sim", default="ranvier")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--nest-ties", action="store_true",
                    help="replay with NEST's tie rule (post seen at an arrival's time counts "
                         "before it) instead of Ranvier's")
    ap.add_argument("--replay-wdep", default=None,
                    help="replay with this weight dependence (default: --wdep)")
    ap.add_argument("--apply-all", action="store_true",
                    help="replay every presynaptic spike, also those whose deferred update "
                         "(f < 1/2) is still pending when the run ends")
    ap.add_argument("--split", type=float, default=None,
                    help="run to this time first, read the weights and check them too, then "
                         "run on to --tstop")
    ap.add_argument("--no-shim", action="store_true",
                    help="do not work around FromListConnector dropping the rule selectors "
                         "(weight_rule, timing_rule) of STDPMechanism on unfixed backends")
    ap.add_argument("--dump", default=None, help="write spikes/connections to this .npz")
    return ap.parse_args()


TAU_PLUS, TAU_MINUS, A_PLUS, A_MINUS = 15.0, 25.0, 0.08, 0.06
MU_PLUS, MU_MINUS = 0.4, 0.7


def shim_rule_selectors():
    """FromListConnector translates synapse_type.parameter_space, which lacks the extra
    parameters (weight_rule, timing_rule) that name the kernel's rule, so the connections
    got the kernel defaults (additive, SpikePairRule).  Add them, as a fixed backend does."""
    from pyNN.ranvier.projections import Projection
    orig = Projection._store
    if getattr(orig, "_shim", False):
        return

    def _store(self, pre, post, params):
        params = dict(params)
        for comp in (getattr(self.synapse_type, "timing_dependence", None),
                     getattr(self.synapse_type, "weight_dependence", None)):
            for k, v in (getattr(comp, "extra_parameters", None) or {}).items():
                params.setdefault(k, v)
        return orig(self, pre, post, params)
    _store._shim = True
    Projection._store = _store


def build_and_run(a):
    if a.sim == "ranvier":
        import pyNN.ranvier as sim
        if not a.no_shim:
            shim_rule_selectors()
    else:
        import pyNN.nest as sim
    dt = 0.1
    extra = {"threads": a.threads} if a.sim == "ranvier" else {}
    sim.setup(timestep=dt, min_delay=a.min_delay, max_delay=5.0, **extra)
    rng = np.random.default_rng(a.seed)
    if a.cell == "cond":
        cell = sim.IF_cond_exp(tau_refrac=2.0, tau_syn_E=3.0, v_thresh=-52.0)
        w_in, w_max = 0.012, 0.01
    else:
        cell = sim.IF_curr_exp(tau_refrac=2.0, tau_syn_E=3.0, v_thresh=-52.0)
        w_in, w_max = 0.6, 0.5
    n, n_in = a.n, 40
    E = sim.Population(n, cell, label="E")
    inp = sim.Population(n_in, sim.SpikeSourcePoisson(rate=60.0), label="in")
    sim.Projection(inp, E, sim.FixedProbabilityConnector(0.25, rng=sim.NumpyRNG(a.seed + 7)),
                   sim.StaticSynapse(weight=w_in, delay=a.min_delay))
    # explicit E->E list: random pairs, plus multapses, autapses, a pre with many targets,
    # a post with many sources; weights at w_min, w_max, or in between; delays from a set
    # that includes the minimum delay
    delays = [a.min_delay, 0.2, 0.5, 1.0, 1.3, 2.0, 3.7]
    delays = sorted(set(round(d, 1) for d in delays if d >= a.min_delay - 1e-9))
    conns = []
    for _ in range(a.nsyn):
        i, j = int(rng.integers(n)), int(rng.integers(n))
        conns.append((i, j))
    conns += [(0, j) for j in range(n)]                  # pre 0 fans out to all
    conns += [(i, 1) for i in range(n)]                  # post 1 gets all
    conns += [(2, 3)] * 4 + [(4, 4)] * 2 + [(5, 5)]      # multapses and autapses
    lst = []
    for (i, j) in conns:
        u = rng.random()
        w = 0.0 if u < 0.15 else w_max if u < 0.3 else float(rng.uniform(0, w_max))
        d = float(delays[int(rng.integers(len(delays)))])
        lst.append((i, j, w, d))
    lst.sort(key=lambda c: (c[0], c[1]))
    if a.wdep == "add":
        wd = sim.AdditiveWeightDependence(w_min=0.0, w_max=w_max)
    elif a.wdep == "mult":
        wd = sim.MultiplicativeWeightDependence(w_min=0.0, w_max=w_max)
    elif a.wdep == "apmd":
        wd = sim.AdditivePotentiationMultiplicativeDepression(w_min=0.0, w_max=w_max)
    else:
        wd = sim.GutigWeightDependence(w_min=0.0, w_max=w_max, mu_plus=MU_PLUS,
                                       mu_minus=MU_MINUS)
    syn = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=TAU_PLUS, tau_minus=TAU_MINUS,
                                            A_plus=A_PLUS, A_minus=A_MINUS),
        weight_dependence=wd, dendritic_delay_fraction=a.f, weight=0.0, delay=a.min_delay)
    prj = sim.Projection(E, E, sim.FromListConnector(lst, column_names=["weight", "delay"]),
                         syn, receptor_type="excitatory")
    if a.wdep == "gutig":
        prj.set(mu_plus=MU_PLUS, mu_minus=MU_MINUS)
    before = np.array(prj.get(["weight", "delay"], format="list"), dtype=float)
    if a.sim == "ranvier":
        want = {"add": 0, "mult": 1, "apmd": 2, "gutig": 3}[a.wdep]
        got = np.unique(prj._arrays("weight_rule")["weight_rule"])
        if not (got.size == 1 and got[0] == want):
            print(f"ERROR: kernel weight_rule {got} for --wdep {a.wdep} (expected {want})")
    E.record("spikes")
    mid = None
    if a.split:
        sim.run(a.split)
        a.split = sim.get_current_time()      # the grid time reached (500.05 -> 500.1)
        mid = np.array(prj.get(["weight", "delay"], format="list"), dtype=float)
        sim.run(a.tstop - a.split)
    else:
        sim.run(a.tstop)
    a.tstop = sim.get_current_time()
    after = np.array(prj.get(["weight", "delay"], format="list"), dtype=float)
    trains = {}
    for st in E.get_data("spikes").segments[0].spiketrains:
        trains[int(st.annotations["source_index"])] = np.asarray(st.magnitude, dtype=float)
    sim.end()
    return dict(dt=dt, before=before, after=after, mid=mid, trains=trains, w_max=w_max, w_min=0.0,
                n_spikes=sum(len(v) for v in trains.values()))


def f_plus(w, wdep, w_min, w_max):
    if wdep == "mult":
        return w_max - w
    if wdep == "gutig":
        return w_max * ((w_max - w) / w_max) ** MU_PLUS
    return w_max


def f_minus(w, wdep, w_min, w_max):
    if wdep in ("mult", "apmd"):
        return w - w_min
    if wdep == "gutig":
        return w_max * ((w - w_min) / w_max) ** MU_MINUS
    return w_max


def clip(w, lo, hi):
    return lo if w < lo else hi if w > hi else w


def replay(w, D, f, pre, post, dt, T, wdep, w_min, w_max, nest_ties=False,
           apply_all=False):
    """The documented rule for one synapse; pre/post are spike times (ms)."""
    eps = 1e-6 * dt
    dd = f * D
    seen = [tp + dd for tp in post]
    k_plus, t_last = 0.0, -math.inf
    n_steps = round(T / dt)
    for tpre in pre:
        ts = tpre + (D - dd)
        if not apply_all and f < 0.5 and math.ceil((ts - dd) / dt - 1.0 - 1e-9) > n_steps:
            break                                   # deferred past the end of the run
        # potentiation: post spikes seen in [t_last, ts) (NEST ties: (t_last, ts])
        for s in seen:
            if nest_ties:
                ok = t_last + eps <= s < ts + eps
            else:
                ok = t_last - eps <= s < ts - eps
            if ok and k_plus > 0.0:
                w = clip(w + A_PLUS * f_plus(w, wdep, w_min, w_max)
                         * k_plus * math.exp(-(s - t_last) / TAU_PLUS), w_min, w_max)
        k_minus = sum(math.exp(-(ts - s) / TAU_MINUS) for s in seen if s < ts - eps)
        w = clip(w - A_MINUS * f_minus(w, wdep, w_min, w_max) * k_minus, w_min, w_max)
        k_plus = k_plus * math.exp(-(ts - t_last) / TAU_PLUS) + 1.0
        t_last = ts
    return w


def main():
    a = parse()
    r = build_and_run(a)
    dt, trains = r["dt"], r["trains"]
    before, after = r["before"], r["after"]
    assert np.array_equal(before[:, :2], after[:, :2]) and np.array_equal(before[:, 3],
                                                                           after[:, 3])
    if a.dump:
        np.savez(a.dump, before=before, after=after,
                 **{f"t{k}": v for k, v in trains.items()})
    if r["mid"] is not None:
        n_mid = 0
        for k in range(len(before)):
            i, j, w0, D = int(before[k, 0]), int(before[k, 1]), before[k, 2], before[k, 3]
            pre = [t for t in trains.get(i, []) if t <= a.split + 1e-9]
            post = [t for t in trains.get(j, []) if t <= a.split + 1e-9]
            w_r = replay(w0, D, a.f, pre, post, dt, a.split, a.replay_wdep or a.wdep,
                         r["w_min"], r["w_max"], a.nest_ties, a.apply_all)
            n_mid += abs(r["mid"][k, 2] - w_r) / r["w_max"] <= 1e-12
        print(f"at t = {a.split}: match(1e-12)={n_mid}/{len(before)}")
    n_ok = 0
    worst = 0.0
    bad = []
    n_bound = 0
    for k in range(len(before)):
        i, j, w0, D = int(before[k, 0]), int(before[k, 1]), before[k, 2], before[k, 3]
        w_k = after[k, 2]
        w_r = replay(w0, D, a.f, trains.get(i, []), trains.get(j, []), dt, a.tstop, a.replay_wdep or a.wdep,
                     r["w_min"], r["w_max"], a.nest_ties,
                     a.apply_all)
        err = abs(w_k - w_r) / r["w_max"]
        n_bound += w_r in (r["w_min"], r["w_max"])
        worst = max(worst, err)
        if err <= 1e-12:
            n_ok += 1
        else:
            bad.append((err, k, i, j, D, w0, w_k, w_r))
    bad.sort(reverse=True)
    for err, k, i, j, D, w0, w_k, w_r in bad[:a.show]:
        print(f"  syn {k}: {i}->{j} D={D:g} w0={w0:.6g} kernel={w_k:.12g} replay={w_r:.12g}"
              f" rel.err={err:.3g}")
    print(f"seed={a.seed} f={a.f} wdep={a.wdep} threads={a.threads} min_delay={a.min_delay} "
          f"cell={a.cell} spikes={r['n_spikes']} synapses={len(before)} at_bound={n_bound} "
          f"match(1e-12)={n_ok}/{len(before)} worst_rel_err={worst:.3g}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
