"""
Standard cell types of the Ranvier backend.

Each class subclasses PyNN's standard definition (parameter names,
defaults, units) and names the kernel model that implements it.  The kernel
speaks PyNN's names and units, so every translation is the identity; the
kernel's own tables (ranvier.model_info) are checked against PyNN's in
tests/python/test_models_table.py.

:copyright: Copyright the Ranvier developers.
"""

from copy import deepcopy

import numpy as np

from pyNN import errors
from pyNN.parameters import ArrayParameter, ParameterSpace
from pyNN.standardmodels import cells, build_translations

__all__ = ["IF_curr_exp", "IF_curr_alpha", "IF_curr_delta", "IF_cond_exp", "IF_cond_alpha",
           "HH_cond_exp", "GIF_cond_exp",
           "SpikeSourcePoisson", "SpikeSourceArray", "SpikeSourcePoissonRefractory",
           "SpikeSourceGamma", "SpikeSourceInhGamma",
           "EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista", "Izhikevich",
           "IF_cond_exp_gsfa_grr", "IF_facets_hardware1"]


def identity_translations(cls):
    """Maps every PyNN parameter of `cls` to the same kernel name."""
    return build_translations(*[(name, name) for name in cls.default_parameters])


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = identity_translations(cells.IF_curr_exp)
    recordable = ["spikes", "v", "isyn_exc", "isyn_inh"]
    kernel_model = "IF_curr_exp"


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = identity_translations(cells.IF_curr_alpha)
    recordable = ["spikes", "v", "isyn_exc", "isyn_inh"]
    kernel_model = "IF_curr_alpha"


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = identity_translations(cells.IF_curr_delta)
    kernel_model = "IF_curr_delta"


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = identity_translations(cells.IF_cond_exp)
    kernel_model = "IF_cond_exp"


class IF_cond_alpha(cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__
    translations = identity_translations(cells.IF_cond_alpha)
    kernel_model = "IF_cond_alpha"


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = identity_translations(cells.SpikeSourcePoisson)
    kernel_model = "SpikeSourcePoisson"


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = identity_translations(cells.SpikeSourceArray)
    kernel_model = "SpikeSourceArray"


class SpikeSourcePoissonRefractory(cells.SpikeSourcePoissonRefractory):
    __doc__ = cells.SpikeSourcePoissonRefractory.__doc__
    translations = identity_translations(cells.SpikeSourcePoissonRefractory)
    kernel_model = "SpikeSourcePoissonRefractory"


class SpikeSourceGamma(cells.SpikeSourceGamma):
    __doc__ = cells.SpikeSourceGamma.__doc__
    translations = identity_translations(cells.SpikeSourceGamma)
    kernel_model = "SpikeSourceGamma"


class SpikeSourceInhGamma(cells.SpikeSourceInhGamma):
    # a, b and tbins are Sequences, one list per cell: the kernel keeps them
    # as array parameters (rv_pop_set_array_param) under the same names and
    # units (b in s, tbins in ms), so the translations are the identity.
    __doc__ = cells.SpikeSourceInhGamma.__doc__
    translations = identity_translations(cells.SpikeSourceInhGamma)
    kernel_model = "SpikeSourceInhGamma"


class HH_cond_exp(cells.HH_cond_exp):
    __doc__ = cells.HH_cond_exp.__doc__ + """
    Ranvier: a spike is an upward crossing of v_offset + 30 mV, stamped at
    the end of the step in which it happens (one per action potential; see
    src/models/hh_cond_exp.c).  The gating variables m, h, n are recordable
    too.  No gap junctions (receptor 'source_section.gap' is NEURON's).
    """
    translations = identity_translations(cells.HH_cond_exp)
    recordable = ["spikes", "v", "gsyn_exc", "gsyn_inh", "m", "h", "n"]
    receptor_types = ("excitatory", "inhibitory")
    kernel_model = "HH_cond_exp"


# Components per kernel of the GIF kernels eta and gamma
# (RV_GIF_MAX_COMPONENTS in src/models/gif_cond_exp.c).
GIF_MAX_COMPONENTS = 5
# (time constants, amplitudes, kernel count) of each kernel, and the value
# the kernel parameters of unused components are given.
_GIF_KERNELS = (("tau_eta", "a_eta", "n_eta"), ("tau_gamma", "a_gamma", "n_gamma"))
_GIF_PAD = {"tau_eta": 1.0, "tau_gamma": 1.0, "a_eta": 0.0, "a_gamma": 0.0}


def _not_used(**p):
    raise NotImplementedError("translated by GIF_cond_exp.translate")


class GIF_cond_exp(cells.GIF_cond_exp):
    __doc__ = cells.GIF_cond_exp.__doc__ + """
    Ranvier: each of the array parameters tau_eta, a_eta, tau_gamma, a_gamma
    (one ArrayParameter per neuron) may have up to 5 elements; tau_eta and
    a_eta must have the same length, and so must tau_gamma and a_gamma.  The
    kernel holds them as per-neuron scalars: n_eta (the length) and
    tau_eta_1..tau_eta_5, a_eta_1..a_eta_5 (unused ones: tau 1 ms, a 0), and
    likewise n_gamma, tau_gamma_k, a_gamma_k.  i_eta and v_t are read-outs of
    the kernels (zero after a reset, v_t = v_t_star): their initial values are
    accepted but do not change the dynamics, as in NEST.  Escape noise is
    drawn from each neuron's own counter-based stream (src/models/gif_cond_exp.c).
    """
    translations = build_translations(*[
        (name, name, _not_used, _not_used) if name in _GIF_PAD else (name, name)
        for name in cells.GIF_cond_exp.default_parameters])
    kernel_model = "GIF_cond_exp"

    # The array parameters are "computed" translations, so that PyNN reads
    # all parameters back before setting one of them (Population.set): the
    # time constants and the amplitudes of a kernel are always translated
    # together, and their lengths can be compared.

    def get_native_names(self, *names):
        out = []
        for name in names or list(self.translations):
            if name in _GIF_PAD:
                count = next(k[2] for k in _GIF_KERNELS if name in k)
                native = [count] + ["%s_%d" % (name, k + 1) for k in range(GIF_MAX_COMPONENTS)]
            else:
                native = [self.translations[name]["translated_name"]]
            out.extend(x for x in native if x not in out)
        return out

    @staticmethod
    def _arrays(name, value, shape):
        """The per-neuron arrays of an ArrayParameter-valued lazy array: one
        array (the same for all neurons) or a list of them."""
        if shape is None and not value.operations:
            x = value.base_value
        else:
            x = value.evaluate(simplify=True)
        if isinstance(x, ArrayParameter):
            return np.asarray(x.value, dtype=float)
        if isinstance(x, np.ndarray) and x.dtype != object and x.ndim == 1:
            return np.asarray(x, dtype=float)
        try:
            return [np.asarray(getattr(a, "value", a), dtype=float).reshape(-1) for a in x]
        except (TypeError, ValueError):
            raise errors.InvalidParameterValueError(
                "GIF_cond_exp: %s must be an array of numbers per neuron, got %r" % (name, x))

    def translate(self, parameters, copy=True):
        if parameters.schema != self.get_schema():
            raise Exception("Schemas do not match: %s != %s"
                            % (parameters.schema, self.get_schema()))
        native = {}
        for name in parameters.keys():
            if name not in _GIF_PAD:
                native[name] = deepcopy(parameters[name]) if copy else parameters[name]
        for tau_name, a_name, count in _GIF_KERNELS:
            arrays = {name: self._arrays(name, parameters[name], parameters.shape)
                      for name in (tau_name, a_name) if name in parameters.keys()}
            lengths = {}
            for name, x in arrays.items():
                per_neuron = x if isinstance(x, list) else [x]
                lengths[name] = np.array([a.size for a in per_neuron])
                if lengths[name].size and lengths[name].max() > GIF_MAX_COMPONENTS:
                    raise errors.InvalidParameterValueError(
                        "GIF_cond_exp: %s has %d elements; Ranvier takes at most %d"
                        % (name, lengths[name].max(), GIF_MAX_COMPONENTS))
            if len(lengths) == 2:
                a, b = np.broadcast_arrays(lengths[tau_name], lengths[a_name])
                if (a != b).any():
                    bad = int(np.nonzero(a != b)[0][0])
                    raise errors.InvalidParameterValueError(
                        "GIF_cond_exp: %s and %s must have the same length (neuron %d: %d and %d)"
                        % (tau_name, a_name, bad, a[bad], b[bad]))
            for name, x in arrays.items():
                if isinstance(x, list):
                    table = np.full((len(x), GIF_MAX_COMPONENTS), _GIF_PAD[name])
                    for i, a in enumerate(x):
                        table[i, :a.size] = a
                    native[count] = lengths[name].astype(float)
                    for k in range(GIF_MAX_COMPONENTS):
                        native["%s_%d" % (name, k + 1)] = table[:, k].copy()
                else:
                    native[count] = float(x.size)
                    for k in range(GIF_MAX_COMPONENTS):
                        native["%s_%d" % (name, k + 1)] = (
                            float(x[k]) if k < x.size else _GIF_PAD[name])
        return ParameterSpace(native, schema=None, shape=parameters.shape)

    def reverse_translate(self, native_parameters):
        keys = set(native_parameters.keys())

        def values(name):
            x = native_parameters[name]
            return x.evaluate(simplify=True) if hasattr(x, "evaluate") else x

        standard = {}
        for name in self.translations:
            if name not in _GIF_PAD:
                if name in keys:
                    standard[name] = native_parameters[name]
                continue
            count = next(k[2] for k in _GIF_KERNELS if name in k)
            components = ["%s_%d" % (name, k + 1) for k in range(GIF_MAX_COMPONENTS)]
            if count not in keys or not keys.issuperset(components):
                continue
            n = values(count)
            table = [values(c) for c in components]
            if np.ndim(n) == 0 and all(np.ndim(c) == 0 for c in table):
                standard[name] = ArrayParameter([float(c) for c in table[:int(n)]])
            else:
                size = native_parameters.shape[0]
                n = np.broadcast_to(n, (size,)).astype(int)
                table = np.stack([np.broadcast_to(c, (size,)) for c in table], axis=1)
                arrays = np.empty(size, dtype=object)
                for i in range(size):
                    arrays[i] = ArrayParameter(table[i, :n[i]].copy())
                standard[name] = arrays
        return ParameterSpace(standard, schema=self.get_schema(), shape=native_parameters.shape)


class EIF_cond_exp_isfa_ista(cells.EIF_cond_exp_isfa_ista):
    __doc__ = cells.EIF_cond_exp_isfa_ista.__doc__ + """
    Ranvier: v reaching v_spike (v_thresh if delta_T = 0) at t_c inside a
    step gives a spike stamped at the end of that step; w += b and
    v = v_reset at t_c, v held to the end of the step and tau_refrac more
    (NEST's aeif convention).  See src/models/adex.h.
    """
    translations = identity_translations(cells.EIF_cond_exp_isfa_ista)
    kernel_model = "EIF_cond_exp_isfa_ista"


class EIF_cond_alpha_isfa_ista(cells.EIF_cond_alpha_isfa_ista):
    __doc__ = cells.EIF_cond_alpha_isfa_ista.__doc__ + """
    Ranvier: spike and reset as EIF_cond_exp_isfa_ista (src/models/adex.h).
    """
    translations = identity_translations(cells.EIF_cond_alpha_isfa_ista)
    kernel_model = "EIF_cond_alpha_isfa_ista"


class Izhikevich(cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__ + """
    Ranvier: I = 1000 (i_offset + injected current) mV/ms (nA on a 1 pF
    membrane, as NEST and NEURON); synaptic weights are voltage jumps in mV.
    v reaching 30 mV resets (v = c, u += d) at the crossing time; the spike
    is stamped at the end of that step.  See src/models/izhikevich.c.
    """
    translations = identity_translations(cells.Izhikevich)
    kernel_model = "Izhikevich"


class IF_cond_exp_gsfa_grr(cells.IF_cond_exp_gsfa_grr):
    __doc__ = cells.IF_cond_exp_gsfa_grr.__doc__ + """
    Ranvier: g_r and g_s are recorded in nS (PyNN's units), q_sfa and q_rr
    are in nS.  See src/models/if_cond_exp_gsfa_grr.c.
    """
    translations = identity_translations(cells.IF_cond_exp_gsfa_grr)
    kernel_model = "IF_cond_exp_gsfa_grr"


# IF_facets_hardware1 is IF_cond_exp with cm = 0.2 nF, tau_refrac = 1 ms,
# e_rev_E = 0 mV and i_offset = 0 fixed, and tau_m = cm / g_leak
# = 200 / g_leak ms (g_leak in nS), as PyNN's NEST and NEURON backends
# translate it: the kernel's IF_cond_exp runs it, with these translations.
FACETS_HW1_FIXED = {"cm": 0.2, "tau_refrac": 1.0, "e_rev_E": 0.0, "i_offset": 0.0}


def _facets_check_g_leak(value):
    bad = ~(np.isfinite(value) & (np.asarray(value) > 0))
    if np.any(bad):
        first = np.asarray(value).flat[int(np.argmax(np.ravel(bad)))]
        raise errors.InvalidParameterValueError(
            "IF_facets_hardware1 parameter 'g_leak' = %g (nS) is invalid; it must be > 0" % first)
    return value


def _facets_tau_m(g_leak, **others):
    g = deepcopy(g_leak)
    g.apply(_facets_check_g_leak)
    return 200.0 / g


class IF_facets_hardware1(cells.IF_facets_hardware1):
    __doc__ = cells.IF_facets_hardware1.__doc__ + """
    Ranvier: runs on the kernel's IF_cond_exp with cm = 0.2 nF,
    tau_refrac = 1 ms, e_rev_E = 0 mV, i_offset = 0 and tau_m = 200/g_leak ms.
    """
    translations = build_translations(
        ("g_leak", "tau_m", _facets_tau_m, "200.0/tau_m"),
        ("tau_syn_E", "tau_syn_E"),
        ("tau_syn_I", "tau_syn_I"),
        ("v_reset", "v_reset"),
        ("e_rev_I", "e_rev_I"),
        ("v_rest", "v_rest"),
        ("v_thresh", "v_thresh"),
    )
    kernel_model = "IF_cond_exp"
    extra_parameters = FACETS_HW1_FIXED

    @property
    def native_parameters(self):
        """The translated parameters and the fixed ones (used when the
        Population is created)."""
        native = self.translate(self.parameter_space)
        native.update(**self.extra_parameters)
        return native
