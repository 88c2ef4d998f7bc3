"""
High-precision references for EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista
(AdEx), Izhikevich and IF_cond_exp_gsfa_grr, used by test_models_adex_izh.py.
Not a test module.

The equations are PyNN's (docs MODELS.md §2.2, pyNN.standardmodels.cells),
solved with scipy.integrate.solve_ivp (DOP853, rtol = atol = 1e-12) piece by
piece between the times where something jumps: synaptic input (at grid
times k dt, i.e. t_spike + delay on the grid), injected current switching,
spikes and the end of refractory periods.  The spike/reset conventions are
Ranvier's, which for these models are continuous in time except where the
time grid is part of the model:

AdEx   v reaching the spike level (v_spike; v_thresh if delta_T = 0) at t_c
       (located by SciPy's event finder): w += b, v = v_reset at t_c, v held
       until the end of the step containing t_c, ceil(t_c/dt) dt, and
       round(tau_refrac/dt) steps more; w and the conductances evolve.
Izhikevich
       v reaching 30 mV at t_c: v = c, u += d at t_c, no refractoriness; a
       voltage jump at a grid time that brings v to 30 mV or above is a
       spike at that time (reset there).
gsfa_grr
       as IF_cond_exp on the grid: v tested at the grid points, reset there,
       held round(tau_refrac/dt) steps; g_s += q_sfa, g_r += q_rr at the spike.

Each function returns the state at the grid points k dt (k = 0..round(T/dt))
and the spike times: the exact crossing times t_c for AdEx and Izhikevich
(Ranvier reports ceil(t_c/dt) dt), the grid times for gsfa_grr.
"""

import math

import numpy as np
from scipy import integrate

RTOL = ATOL = 1e-12

ADEX_DEFAULTS = dict(cm=0.281, tau_refrac=0.1, v_spike=-40.0, v_reset=-70.6, v_rest=-70.6,
                     tau_m=9.3667, i_offset=0.0, a=4.0, b=0.0805, delta_T=2.0, tau_w=144.0,
                     v_thresh=-50.4, e_rev_E=0.0, tau_syn_E=5.0, e_rev_I=-80.0, tau_syn_I=5.0)
IZH_DEFAULTS = dict(a=0.02, b=0.2, c=-65.0, d=2.0, i_offset=0.0)
GRR_DEFAULTS = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=0.1, tau_syn_E=5.0,
                    tau_syn_I=5.0, e_rev_E=0.0, e_rev_I=-70.0, v_thresh=-50.0, v_reset=-65.0,
                    i_offset=0.0, tau_sfa=100.0, e_rev_sfa=-75.0, q_sfa=15.0, tau_rr=2.0,
                    e_rev_rr=-75.0, q_rr=3000.0)


def _solve(rhs, t0, t1, y, t_eval, events=None, args=()):
    sol = integrate.solve_ivp(rhs, (t0, t1), y, method="DOP853", rtol=RTOL, atol=ATOL,
                              t_eval=t_eval, events=events, args=args)
    assert sol.status >= 0, sol.message
    # with a terminal event before the first t_eval point SciPy gives lists
    sy = np.asarray(sol.y, dtype=float).reshape(len(y), -1)
    return sol, sy


def adex(params, T, dt, jumps, alpha=False, v0=None, w0=0.0):
    """AdEx with exponential (alpha=False) or alpha synapses.

    jumps: {k: (w_exc, w_inh)}: the conductances (or, for alpha synapses,
    their y variables) jump by these weights (uS) at k dt.
    Returns (v, w, g_exc, crossing times)."""
    p = dict(ADEX_DEFAULTS, **params)
    g_l, d_t = p["cm"] / p["tau_m"], p["delta_T"]
    peak = p["v_spike"] if d_t > 0 else p["v_thresh"]
    a = 1e-3 * p["a"]
    n = int(round(T / dt))
    n_ref = int(round(p["tau_refrac"] / dt))
    te, ti = p["tau_syn_E"], p["tau_syn_I"]

    def rhs(t, y, clamped):
        v, w, ge, gi = y[0], y[1], y[2], y[3]
        if alpha:
            dg = [(math.e * y[4] - ge) / te, (math.e * y[5] - gi) / ti, -y[4] / te, -y[5] / ti]
        else:
            dg = [-ge / te, -gi / ti]
        if clamped:
            return [0.0, (a * (p["v_reset"] - p["v_rest"]) - w) / p["tau_w"]] + dg
        ex = g_l * d_t * math.exp(min((v - p["v_thresh"]) / d_t, 700.0)) if d_t > 0 else 0.0
        dv = (g_l * (p["v_rest"] - v) + ex + ge * (p["e_rev_E"] - v) + gi * (p["e_rev_I"] - v)
              - w + p["i_offset"]) / p["cm"]
        return [dv, (a * (v - p["v_rest"]) - w) / p["tau_w"]] + dg

    def crossing(t, y, clamped):
        return y[0] - peak
    crossing.terminal = True
    crossing.direction = 1

    y = np.zeros(6 if alpha else 4)
    y[0] = p["v_rest"] if v0 is None else v0
    y[1] = w0
    out = np.full((n + 1, 3), np.nan)
    out[0] = y[0], y[1], y[2]
    spikes = []
    steps = sorted(k for k in jumps if 0 < k <= n)
    k, t, free_at, ji = 0, 0.0, 0, 0
    while k < n:
        while ji < len(steps) and steps[ji] <= k:
            ji += 1
        k_next = steps[ji] if ji < len(steps) else n
        clamped = k < free_at
        if clamped:
            k_next = min(k_next, free_at)
        ks = np.arange(k + 1, k_next + 1)
        sol, sy = _solve(rhs, t, k_next * dt, y, np.clip(ks * dt, t, k_next * dt),
                         None if clamped else crossing, (clamped,))
        m = sy.shape[1]
        out[ks[:m]] = sy[:3, :m].T
        if sol.status == 1:
            # crossing at t_c: reset, hold v to the end of the step
            tc = float(sol.t_events[0][0])
            y = sol.y_events[0][0].copy()
            spikes.append(tc)
            y[0] = p["v_reset"]
            y[1] += p["b"]
            kc = int(math.ceil(tc / dt - 1e-9))
            _, sy = _solve(rhs, tc, kc * dt, y, None, None, (True,))
            y = sy[:, -1].copy()
            y[0] = p["v_reset"]
            k, t, free_at = kc, kc * dt, kc + n_ref
            out[k] = y[0], y[1], y[2]
        else:
            if m:
                y = sy[:, -1].copy()
            if clamped:
                y[0] = p["v_reset"]
            k, t = k_next, k_next * dt
        if k in jumps:
            y[4 if alpha else 2] += jumps[k][0]
            y[5 if alpha else 3] += jumps[k][1]
    return out[:, 0], out[:, 1], out[:, 2], np.array(spikes)


def izhikevich(params, T, dt, jumps, v0=-70.0, u0=-14.0, pulses=()):
    """jumps: {k: w}: v jumps by w (mV) at k dt.  pulses: (start, stop,
    amplitude in nA) injected current, acting on the steps that start in
    [start, stop).  Returns (v, u, crossing times)."""
    p = dict(IZH_DEFAULTS, **params)
    n = int(round(T / dt))

    def rhs(t, y, cur):
        return [(0.04 * y[0] + 5.0) * y[0] + 140.0 - y[1] + cur, p["a"] * (p["b"] * y[0] - y[1])]

    def crossing(t, y, cur):
        return y[0] - 30.0
    crossing.terminal = True
    crossing.direction = 1

    def current(k):
        inj = sum(amp for (on, off, amp) in pulses if on - 1e-9 <= k * dt < off - 1e-9)
        return 1000.0 * (p["i_offset"] + inj)

    breaks = set(k for k in jumps if 0 < k <= n) | {n}
    for on, off, _ in pulses:
        breaks |= {int(math.ceil(on / dt - 1e-9)), int(math.ceil(off / dt - 1e-9))}
    breaks = sorted(b for b in breaks if 0 < b <= n)
    y = np.array([v0, u0], dtype=float)
    out = np.full((n + 1, 2), np.nan)
    out[0] = y
    spikes = []
    k, t = 0, 0.0
    for kb in breaks:
        cur, t_end = current(k), kb * dt
        while True:
            ks = np.arange(k + 1, kb + 1)
            t_eval = np.clip(ks * dt, t, t_end)
            sol, sy = _solve(rhs, t, t_end, y, t_eval[t_eval > t], crossing, (cur,))
            m = sy.shape[1]
            idx = np.round(np.asarray(sol.t[:m]) / dt).astype(int)
            out[idx] = sy[:, :m].T
            if sol.status != 1:
                if m:
                    y = sy[:, -1].copy()
                break
            t = float(sol.t_events[0][0])
            spikes.append(t)
            y = sol.y_events[0][0].copy()
            y[0] = p["c"]
            y[1] += p["d"]
            k = int(math.floor(t / dt + 1e-9))
        k, t = kb, t_end
        if kb in jumps:
            y[0] += jumps[kb]
            if y[0] >= 30.0:
                spikes.append(t)
                y[0] = p["c"]
                y[1] += p["d"]
        out[kb] = y
    return out[:, 0], out[:, 1], np.array(spikes)


def gsfa_grr(params, T, dt, jumps, v0=None):
    """IF_cond_exp_gsfa_grr with the grid threshold convention.
    jumps: {k: (w_exc, w_inh)}.  Returns (v, g_r, g_s, spike times)."""
    p = dict(GRR_DEFAULTS, **params)
    n = int(round(T / dt))
    n_ref = int(round(p["tau_refrac"] / dt))
    g_l = p["cm"] / p["tau_m"]

    def rhs(t, y, clamped):
        v, ge, gi, gs, gr = y
        d = [-ge / p["tau_syn_E"], -gi / p["tau_syn_I"], -gs / p["tau_sfa"], -gr / p["tau_rr"]]
        if clamped:
            return [0.0] + d
        dv = (g_l * (p["v_rest"] - v) + ge * (p["e_rev_E"] - v) + gi * (p["e_rev_I"] - v)
              + 1e-3 * gs * (p["e_rev_sfa"] - v) + 1e-3 * gr * (p["e_rev_rr"] - v)
              + p["i_offset"]) / p["cm"]
        return [dv] + d

    y = np.zeros(5)
    y[0] = p["v_rest"] if v0 is None else v0
    out = np.full((n + 1, 3), np.nan)
    out[0] = y[0], y[4], y[3]
    spikes = []
    steps = sorted(k for k in jumps if 0 < k <= n)
    k, free_at, ji = 0, 0, 0
    while k < n:
        while ji < len(steps) and steps[ji] <= k:
            ji += 1
        k_next = steps[ji] if ji < len(steps) else n
        clamped = k < free_at
        if clamped:
            k_next = min(k_next, free_at)
        ks = np.arange(k + 1, k_next + 1)
        _, sy = _solve(rhs, k * dt, k_next * dt, y, np.clip(ks * dt, k * dt, k_next * dt), None,
                       (clamped,))
        above = [] if clamped else np.nonzero(sy[0] >= p["v_thresh"])[0]
        j = above[0] if len(above) else len(ks) - 1
        out[ks[:j + 1]] = np.column_stack([sy[0, :j + 1], sy[4, :j + 1], sy[3, :j + 1]])
        y = sy[:, j].copy()
        k = int(ks[j])
        if len(above):
            spikes.append(k * dt)
            y[0] = p["v_reset"]
            y[3] += p["q_sfa"]
            y[4] += p["q_rr"]
            free_at = k + n_ref
        elif clamped:
            y[0] = p["v_reset"]
        out[k] = y[0], y[4], y[3]
        if k in jumps:
            y[1] += jumps[k][0]
            y[2] += jumps[k][1]
    return out[:, 0], out[:, 1], out[:, 2], np.array(spikes)
