"""
A high-precision reference for the integrate-and-fire models that Ranvier
and PyNN's other backends implement (IF_curr_exp, IF_curr_alpha,
IF_cond_exp, IF_cond_alpha), used by test_closed_form.py and
test_vs_neuron.py.  Not a test module.

The equations are PyNN's (docs MODELS.md §2.2):

    cm dv/dt = cm/tau_m (v_rest - v) + I_syn + i_offset + I_inj(t)
    exp synapses:    dx/dt = -x/tau_syn,                spike: x += w
    alpha synapses:  dy/dt = -y/tau_syn, dx/dt = (e y - x)/tau_syn, spike: y += w
                     (x(s) = w (s/tau) e^(1 - s/tau) after one spike at s = 0)
    I_syn = I_E + I_I (current-based) or g_E (e_rev_E - v) + g_I (e_rev_I - v)

solved with scipy.integrate.solve_ivp (DOP853, rtol = atol = 1e-12) piece
by piece between input arrivals and current switches, where the synaptic
variables jump and I_inj changes.

Two conventions for threshold, reset and refractoriness:
    "grid"   (Ranvier, NEST's grid-based models): v is tested at the end of
             every step of length dt; if v >= v_thresh the spike time is
             that grid time, v <- v_reset and v is held there for
             round(tau_refrac/dt) steps;
    "exact"  (NEURON with CVODE, precise-timing models): the spike time is
             the exact crossing time t_c of v_thresh; v is held at v_reset
             from t_c to t_c + tau_refrac.
The synaptic variables evolve freely in both cases.
"""

import math

import numpy as np
from scipy import integrate

MODELS = ("IF_curr_exp", "IF_curr_alpha", "IF_cond_exp", "IF_cond_alpha")
RTOL = ATOL = 1e-12


class Reference:
    """One neuron of a standard IF model.

    params: the PyNN parameters (v_rest, cm, tau_m, tau_refrac, tau_syn_E,
    tau_syn_I, i_offset, v_reset, v_thresh, and e_rev_E, e_rev_I for the
    conductance-based models).
    """

    def __init__(self, model, params, v_init=None):
        assert model in MODELS
        self.model = model
        self.p = dict(params)
        self.alpha = model.endswith("alpha")
        self.cond = model.startswith("IF_cond")
        self.v_init = self.p["v_rest"] if v_init is None else v_init

    # state: [v, x_E, x_I] or [v, x_E, x_I, y_E, y_I]; x is I (nA) or g (uS)
    def _rhs(self, t, y, i_inj, clamped):
        p = self.p
        v, xe, xi = y[0], y[1], y[2]
        tau_e, tau_i = p["tau_syn_E"], p["tau_syn_I"]
        if self.alpha:
            ye, yi = y[3], y[4]
            d = [(math.e * ye - xe) / tau_e, (math.e * yi - xi) / tau_i, -ye / tau_e, -yi / tau_i]
        else:
            d = [-xe / tau_e, -xi / tau_i]
        if clamped:
            dv = 0.0
        else:
            if self.cond:
                i_syn = xe * (p["e_rev_E"] - v) + xi * (p["e_rev_I"] - v)
            else:
                i_syn = xe + xi
            dv = (p["cm"] / p["tau_m"] * (p["v_rest"] - v) + i_syn + p["i_offset"]
                  + i_inj) / p["cm"]
        return [dv] + d

    def run(self, T, dt, arrivals_e=(), arrivals_i=(), pulses=(), convention="grid"):
        """Simulates [0, T].

        arrivals_x: iterable of (time, weight) at which the synaptic
            variable of receptor x jumps (time = t_spike + delay);
        pulses: iterable of (start, stop, amplitude): injected current
            amplitude (nA) on [start, stop);
        Returns (v at the grid points k dt, k = 0..round(T/dt), spike times).
        """
        p = self.p
        eps = 1e-9 * dt
        n_steps = int(round(T / dt))
        grid = np.arange(n_steps + 1) * dt
        jumps = {}
        slot_e, slot_i = (3, 4) if self.alpha else (1, 2)
        for arrivals, slot in ((arrivals_e, slot_e), (arrivals_i, slot_i)):
            for t, w in arrivals:
                key = round(t / dt) if convention == "grid" else round(t / eps)
                jumps.setdefault(key, [0.0] * 5)[slot] += w

        def jump_key(t):
            return round(t / dt) if convention == "grid" else round(t / eps)

        def i_inj(t):
            return sum(a for (on, off, a) in pulses if on - eps <= t < off - eps)

        breaks = {T}
        for (t, _) in list(arrivals_e) + list(arrivals_i):
            breaks.add(t)
        for on, off, _ in pulses:
            breaks.update((on, off))
        breaks = np.array(sorted(b for b in breaks if 0 < b <= T))

        y = np.zeros(5 if self.alpha else 3)
        y[0] = self.v_init
        v_out = np.full(n_steps + 1, np.nan)
        v_out[0] = y[0]
        spikes = []
        t, clamp_until = 0.0, -np.inf
        n_ref = round(p["tau_refrac"] / dt)

        def threshold(t_, y_, *args):
            return y_[0] - p["v_thresh"]
        threshold.terminal = True
        threshold.direction = 1

        while t < T - eps:
            t_next = breaks[np.searchsorted(breaks, t + eps)]
            clamped = t < clamp_until - eps
            t_end = min(t_next, clamp_until) if clamped else t_next
            k0 = int(math.floor(t / dt + 1e-6)) + 1            # first grid point after t
            k1 = int(math.floor(t_end / dt + 1e-6))            # last one up to t_end
            ks = np.arange(k0, k1 + 1)
            t_eval = np.concatenate([grid[ks], [t_end]]) if (
                ks.size == 0 or abs(grid[ks[-1]] - t_end) > eps) else grid[ks]
            t_eval = np.clip(t_eval, t, t_end)      # grid values may be an ulp outside
            events = threshold if (convention == "exact" and not clamped) else None
            sol = integrate.solve_ivp(self._rhs, (t, t_end), y, method="DOP853", rtol=RTOL,
                                      atol=ATOL, t_eval=t_eval, events=events,
                                      args=(i_inj(t), clamped))
            assert sol.status >= 0, sol.message
            # (with a terminal event before the first t_eval point, SciPy
            # returns empty lists)
            sol_y = np.asarray(sol.y, dtype=float).reshape(y.size, -1)
            n_grid = min(ks.size, sol_y.shape[1])
            vs = sol_y[0, :n_grid]
            if convention == "grid" and not clamped:
                crossed = np.nonzero(vs >= p["v_thresh"])[0]
            else:
                crossed = []
            if len(crossed):                                   # grid convention spike
                j = crossed[0]
                v_out[ks[:j]] = vs[:j]
                y = sol_y[:, j].copy()
                t = grid[ks[j]]
                spikes.append(t)
                y[0] = p["v_reset"]
                v_out[ks[j]] = y[0]
                clamp_until = t + n_ref * dt
            elif sol.status == 1:                              # exact crossing
                v_out[ks[:n_grid]] = vs
                t = float(sol.t_events[0][0])
                y = sol.y_events[0][0].copy()
                spikes.append(t)
                y[0] = p["v_reset"]
                clamp_until = t + p["tau_refrac"]
                if abs(t / dt - round(t / dt)) < 1e-9:
                    v_out[round(t / dt)] = y[0]
                continue
            else:
                v_out[ks[:n_grid]] = vs
                y = sol_y[:, -1].copy()
                t = t_end
            if clamped or t < clamp_until - eps:
                y[0] = p["v_reset"]
            key = jump_key(t)
            if abs(t - t_next) < eps and key in jumps:
                y[1:] += np.asarray(jumps.pop(key))[1:y.size]
        return v_out, np.array(spikes)
