"""
High-precision references for HH_cond_exp and the deterministic part of
GIF_cond_exp, used by test_models_hh_gif.py.  Not a test module.

Both integrate PyNN's equations (pyNN/standardmodels/cells.py; docs
MODELS.md §2.2) with scipy.integrate.solve_ivp (DOP853, rtol = atol =
1e-12), piece by piece between the times where something jumps: synaptic
conductances at t_spike + delay (g_x += w), injected current at the edges
of its pulses, and for GIF the spike-triggered kernels at given spike times.

HH_cond_exp (Traub & Miles; NEST hh_cond_exp_traub), u = v - v_offset:
    cm dv/dt = g_leak (e_rev_leak - v) - gbar_Na m^3 h (v - e_rev_Na)
               - gbar_K n^4 (v - e_rev_K) + g_E (e_rev_E - v) + g_I (e_rev_I - v)
               + i_offset + I_inj
    dx/dt = alpha_x(u) (1 - x) - beta_x(u) x,  x in m, h, n
Spike rule (Ranvier's): an upward crossing of v_offset + 30 mV; the
reference gives the exact crossing times (Ranvier stamps the end of the step
in which it happens).

GIF_cond_exp, given the spike times t_k (the stochastic part is left out):
    cm dv/dt = cm/tau_m (v_rest - v) + g_E (e_rev_E - v) + g_I (e_rev_I - v)
               + i_offset + I_inj - i_eta
    i_eta = sum_j eta_j,  d eta_j/dt = -eta_j / tau_eta_j,  at t_k: eta_j += a_eta_j
    v_t = v_t_star + sum_j gamma_j,  d gamma_j/dt = -gamma_j / tau_gamma_j,
          at t_k: gamma_j += a_gamma_j
    at t_k: v <- v_reset, held there until t_k + tau_refrac
"""

import math

import numpy as np
from scipy import integrate

RTOL = ATOL = 1e-12


def vtrap(x, y):
    """x / (exp(x / y) - 1), continuous at x = 0 (= y)."""
    z = x / y
    return y if z == 0.0 else x / math.expm1(z)


def hh_rates(u):
    """(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n) in 1/ms at u = v - v_offset."""
    return (0.32 * vtrap(13.0 - u, 4.0), 0.28 * vtrap(u - 40.0, 5.0),
            0.128 * math.exp((17.0 - u) / 18.0), 4.0 / (1.0 + math.exp((40.0 - u) / 5.0)),
            0.032 * vtrap(15.0 - u, 5.0), 0.5 * math.exp((10.0 - u) / 40.0))


HH_DEFAULTS = dict(gbar_Na=20.0, gbar_K=6.0, g_leak=0.01, cm=0.2, v_offset=-63.0,
                   e_rev_Na=50.0, e_rev_K=-90.0, e_rev_leak=-65.0, e_rev_E=0.0,
                   e_rev_I=-80.0, tau_syn_E=0.2, tau_syn_I=2.0, i_offset=0.0)
HH_INIT = dict(v=-65.0, m=0.0, h=1.0, n=0.0, gsyn_exc=0.0, gsyn_inh=0.0)


def _breaks(T, arrivals_e, arrivals_i, pulses, dt):
    """The conductance jumps by grid index, and the sorted break times."""
    jumps = {}
    for slot, arrivals in ((0, arrivals_e), (1, arrivals_i)):
        for t, w in arrivals:
            jumps.setdefault(round(t / dt), [0.0, 0.0])[slot] += w
    breaks = {T}
    breaks.update(k * dt for k in jumps)
    for on, off, _ in pulses:
        breaks.update((on, off))
    return jumps, np.array(sorted(b for b in breaks if 0 < b <= T + 1e-9 * dt))


def _pieces(T, dt, breaks):
    """Yields (t0, t1, grid indices in (t0, t1])."""
    eps = 1e-9 * dt
    n_steps = int(round(T / dt))
    t = 0.0
    for b in breaks:
        if b <= t + eps:
            continue
        k0 = int(math.floor(t / dt + 1e-6)) + 1
        k1 = min(int(math.floor(b / dt + 1e-6)), n_steps)
        yield t, b, np.arange(k0, k1 + 1)
        t = b


def _t_eval(t0, t1, ks, dt):
    """The grid points ks (in (t0, t1]) and t1, strictly increasing."""
    t = np.clip(ks * dt, t0, t1)
    if t.size and t1 - t[-1] < 1e-9 * dt:
        t[-1] = t1
        return t
    return np.concatenate([t, [t1]])


def _inj(pulses, t, dt):
    eps = 1e-9 * dt
    return sum(a for (on, off, a) in pulses if on - eps <= t < off - eps)


class HHReference:
    def __init__(self, params=None, init=None):
        self.p = dict(HH_DEFAULTS, **(params or {}))
        self.init = dict(HH_INIT, **(init or {}))
        self._k = tuple(self.p[k] for k in ("gbar_Na", "gbar_K", "g_leak", "cm", "v_offset",
                                            "e_rev_Na", "e_rev_K", "e_rev_leak", "e_rev_E",
                                            "e_rev_I", "tau_syn_E", "tau_syn_I", "i_offset"))

    def _rhs(self, t, y, i_inj):
        g_na, g_k, g_l, cm, v_off, e_na, e_k, e_l, e_e, e_i, tau_e, tau_i, i0 = self._k
        v, m, h, n, ge, gi = y
        am, bm, ah, bh, an, bn = hh_rates(v - v_off)
        i = (g_l * (e_l - v) - g_na * m * m * m * h * (v - e_na)
             - g_k * (n * n) * (n * n) * (v - e_k) + ge * (e_e - v) + gi * (e_i - v) + i0 + i_inj)
        return [i / cm, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n,
                -ge / tau_e, -gi / tau_i]

    def run(self, T, dt, arrivals_e=(), arrivals_i=(), pulses=()):
        """Simulates [0, T].  arrivals_x: (time, weight) of the conductance
        jumps (time = t_spike + delay, on the grid); pulses: (start, stop,
        amplitude in nA) of injected current.  Returns (states at the grid
        points, shape (steps + 1, 6): v, m, h, n, gsyn_exc, gsyn_inh; exact
        upward crossing times of v_offset + 30 mV)."""
        jumps, breaks = _breaks(T, arrivals_e, arrivals_i, pulses, dt)
        n_steps = int(round(T / dt))
        out = np.full((n_steps + 1, 6), np.nan)
        y = np.array([self.init[k] for k in ("v", "m", "h", "n", "gsyn_exc", "gsyn_inh")])
        out[0] = y
        theta = self.p["v_offset"] + 30.0

        def crossing(t, y, *args):
            return y[0] - theta
        crossing.direction = 1
        spikes = []
        for t0, t1, ks in _pieces(T, dt, breaks):
            t_eval = _t_eval(t0, t1, ks, dt)
            sol = integrate.solve_ivp(self._rhs, (t0, t1), y, method="DOP853", rtol=RTOL,
                                      atol=ATOL, t_eval=t_eval, events=crossing,
                                      args=(_inj(pulses, t0, dt),))
            assert sol.status == 0, sol.message
            out[ks] = sol.y[:, :ks.size].T
            spikes.extend(sol.t_events[0])
            y = sol.y[:, -1].copy()
            k = round(t1 / dt)
            if abs(t1 - k * dt) < 1e-9 * dt and k in jumps:
                y[4:] += jumps.pop(k)
                if k <= n_steps:
                    out[k, 4:] = y[4:]
        return out, np.array(spikes)


GIF_DEFAULTS = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=4.0, tau_syn_E=5.0,
                    tau_syn_I=5.0, e_rev_E=0.0, e_rev_I=-70.0, v_reset=-65.0, i_offset=0.0,
                    delta_v=0.5, v_t_star=-48.0, lambda0=1.0, tau_eta=(1.0, 10.0, 100.0),
                    tau_gamma=(1.0, 10.0, 100.0), a_eta=(1.0, 1.0, 1.0),
                    a_gamma=(1.0, 1.0, 1.0))


class GIFReference:
    """The deterministic part of GIF_cond_exp on Ranvier's time grid: a spike
    stamped at grid time t_k resets v at t_k and holds it there for
    round(tau_refrac / dt) steps, and the kernels jump at t_k.  The spike
    times are given (`spikes`), or, with threshold=True, they are the grid
    points at which v >= v_t first after each refractory period (the limit
    delta_v -> 0 of the escape noise)."""

    def __init__(self, params=None, v_init=-65.0):
        self.p = dict(GIF_DEFAULTS, **(params or {}))
        self.v_init = v_init

    def _rhs(self, t, y, i_inj, clamped):
        p = self.p
        k_eta = len(p["tau_eta"])
        v, ge, gi = y[0], y[1], y[2]
        eta, gamma = y[3:3 + k_eta], y[3 + k_eta:]
        if clamped:
            dv = 0.0
        else:
            dv = (p["cm"] / p["tau_m"] * (p["v_rest"] - v) + ge * (p["e_rev_E"] - v)
                  + gi * (p["e_rev_I"] - v) + p["i_offset"] + i_inj - eta.sum()) / p["cm"]
        return np.concatenate([[dv, -ge / p["tau_syn_E"], -gi / p["tau_syn_I"]],
                               -eta / np.asarray(p["tau_eta"], dtype=float),
                               -gamma / np.asarray(p["tau_gamma"], dtype=float)])

    def run(self, T, dt, spikes=(), arrivals_e=(), arrivals_i=(), pulses=(), threshold=False):
        """pulses: (start, stop, amplitude) with start and stop on the grid.
        Returns (states at the grid points: columns v, gsyn_exc, gsyn_inh,
        i_eta, v_t; spike times)."""
        p = self.p
        k_eta = len(p["tau_eta"])
        n_steps = int(round(T / dt))
        jumps, _ = _breaks(T, arrivals_e, arrivals_i, (), dt)
        given = {round(t / dt) for t in spikes}
        edges = {round(b / dt) for on, off, _ in pulses for b in (on, off)}
        n_ref = round(p["tau_refrac"] / dt)
        out = np.full((n_steps + 1, 5), np.nan)
        y = np.zeros(3 + k_eta + len(p["tau_gamma"]))
        y[0] = self.v_init

        def readout(y):
            return [y[0], y[1], y[2], y[3:3 + k_eta].sum(),
                    p["v_t_star"] + y[3 + k_eta:].sum()]
        out[0] = readout(y)
        fired = []
        k, clamp_until = 0, 0
        while k < n_steps:
            stops = [n_steps] + [x for x in list(jumps) + list(given) + list(edges) if x > k]
            if clamp_until > k:
                stops.append(clamp_until)
            kb = min(stops)
            clamped = k < clamp_until
            ks = np.arange(k + 1, kb + 1)
            sol = integrate.solve_ivp(self._rhs, (k * dt, kb * dt), y, method="DOP853",
                                      rtol=RTOL, atol=ATOL, t_eval=_t_eval(k * dt, kb * dt, ks, dt),
                                      args=(_inj(pulses, k * dt, dt), clamped))
            assert sol.status == 0, sol.message
            states = sol.y[:, :ks.size].T
            spike = kb in given
            if threshold and not clamped:
                vt = p["v_t_star"] + states[:, 3 + k_eta:].sum(axis=1)
                above = np.nonzero(states[:, 0] >= vt)[0]
                if above.size:
                    kb, states, spike = ks[above[0]], states[:above[0] + 1], True
            out[k + 1:kb + 1] = np.array([readout(c) for c in states])
            y = states[-1].copy()
            if kb in jumps:
                y[1:3] += jumps.pop(kb)
            if spike:
                fired.append(kb * dt)
                y[0] = p["v_reset"]
                y[3:3 + k_eta] += np.asarray(p["a_eta"], dtype=float)
                y[3 + k_eta:] += np.asarray(p["a_gamma"], dtype=float)
                clamp_until = kb + n_ref
            out[kb] = readout(y)
            k = kb
        return out, np.array(fired)
