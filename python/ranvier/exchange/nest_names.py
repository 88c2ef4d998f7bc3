"""
NEST point-neuron templates as BMTK's PointNet writes them into SONATA
("nest:iaf_psc_alpha" with NEST's parameter names and units), translated to
PyNN's standard cell types and units.  Unset parameters take NEST 3.10's
defaults.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np

from .model import ExchangeError

_CURR = {"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -70.0, "V_reset": -70.0,
         "V_th": -55.0, "I_e": 0.0, "V_m": -70.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
_COND = {"C_m": 250.0, "t_ref": 2.0, "E_L": -70.0, "V_reset": -60.0, "V_th": -55.0,
         "I_e": 0.0, "V_m": -70.0, "g_L": 16.6667, "E_ex": 0.0, "E_in": -85.0,
         "tau_syn_ex": 0.2, "tau_syn_in": 2.0}
MODELS = {"iaf_psc_alpha": ("IF_curr_alpha", _CURR), "iaf_psc_exp": ("IF_curr_exp", _CURR),
          "iaf_cond_alpha": ("IF_cond_alpha", _COND), "iaf_cond_exp": ("IF_cond_exp", _COND)}


def cell_type(nest_model, where):
    if nest_model not in MODELS:
        raise ExchangeError("%s: NEST model %s cannot be imported (supported: %s)"
                            % (where, nest_model, ", ".join(MODELS)))
    return MODELS[nest_model][0]


def parameters(nest_model, raw, n, where):
    """PyNN parameters and initial values (arrays of n) from NEST-named
    per-node values (NaN: unset)."""
    defaults = MODELS[nest_model][1]
    unknown = set(raw) - set(defaults)
    if unknown:
        raise ExchangeError("%s: %s has no parameter %s" % (where, nest_model,
                                                            ", ".join(sorted(unknown))))
    v = {}
    for k, d in defaults.items():
        x = np.full(n, d)
        if k in raw:
            have = ~np.isnan(raw[k])
            x[have] = raw[k][have]
        v[k] = x
    p = {"cm": v["C_m"] / 1000.0, "tau_refrac": v["t_ref"], "v_rest": v["E_L"],
         "v_reset": v["V_reset"], "v_thresh": v["V_th"], "i_offset": v["I_e"] / 1000.0,
         "tau_syn_E": v["tau_syn_ex"], "tau_syn_I": v["tau_syn_in"]}
    if "g_L" in defaults:
        p["tau_m"] = v["C_m"] / v["g_L"]
        p["e_rev_E"] = v["E_ex"]
        p["e_rev_I"] = v["E_in"]
    else:
        p["tau_m"] = v["tau_m"]
    return p, {"v": v["V_m"]}


def weight(nest_model, w):
    """NEST weights (pA, nS) in PyNN's units (nA, uS)."""
    return np.asarray(w, dtype=np.float64) / 1000.0
