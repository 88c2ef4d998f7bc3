"""
Standard synapse types of the Ranvier backend.

:copyright: Copyright the Ranvier developers.
"""

from pyNN.standardmodels import synapses, build_translations

from ..simulator import state


class RanvierSynapseMixin:
    """What every Ranvier synapse type shares: its kernel model, and the
    default delay (min_delay, or dt while min_delay is 'auto')."""

    kernel_model = None

    def _get_minimum_delay(self):
        d = state.min_delay
        if d == "auto":
            d = state.dt
        return d


class StaticSynapse(RanvierSynapseMixin, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))
    kernel_model = "StaticSynapse"


class TsodyksMarkramSynapse(RanvierSynapseMixin, synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("U", "U"),
                                      ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil"),
                                      ("u", "u"))
    kernel_model = "TsodyksMarkramSynapse"


class SimpleStochasticSynapse(RanvierSynapseMixin, synapses.SimpleStochasticSynapse):
    __doc__ = synapses.SimpleStochasticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("p", "p"))
    kernel_model = "SimpleStochasticSynapse"


class StochasticTsodyksMarkramSynapse(RanvierSynapseMixin,
                                      synapses.StochasticTsodyksMarkramSynapse):
    __doc__ = synapses.StochasticTsodyksMarkramSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("U", "U"),
                                      ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil"))
    kernel_model = "StochasticTsodyksMarkramSynapse"


class MultiQuantalSynapse(RanvierSynapseMixin, synapses.MultiQuantalSynapse):
    __doc__ = synapses.MultiQuantalSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("U", "U"),
                                      ("n", "n"), ("tau_rec", "tau_rec"),
                                      ("tau_facil", "tau_facil"), ("u", "u"), ("a", "a"))
    # State variables that Projection.initialize() sets, as NEST's
    # quantal_stp_synapse: u (0: the first spike has u = U) and a, the
    # available release sites (-1 stands for n).
    default_initial_values = {"u": 0.0, "a": -1}
    kernel_model = "MultiQuantalSynapse"


# -- spike-timing-dependent plasticity -------------------------------------------
#
# The kernel's STDPSynapse (src/synapses/stdp.c) takes every rule's
# parameters as per-connection columns; the timing and weight dependences
# below contribute theirs and name their rule through extra parameters.

STDP_MODELS = {"STDPSynapse"}


class STDPMechanism(RanvierSynapseMixin, synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ("weight", "weight"), ("delay", "delay"),
        ("dendritic_delay_fraction", "dendritic_delay_fraction"))
    kernel_model = "STDPSynapse"


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(("tau_plus", "tau_plus"), ("tau_minus", "tau_minus"),
                                      ("A_plus", "A_plus"), ("A_minus", "A_minus"))
    extra_parameters = {"timing_rule": 0}
    possible_models = STDP_MODELS


class Vogels2011Rule(synapses.Vogels2011Rule):
    __doc__ = synapses.Vogels2011Rule.__doc__ + """
    In Ranvier the target rate `rho` is in Hz (alpha = 2 rho tau with tau in
    seconds), as in Vogels et al. (2011); PyNN's NEURON mechanism reads it as
    a rate per ms.
    """
    translations = build_translations(("tau", "tau"), ("eta", "eta"), ("rho", "rho"))
    extra_parameters = {"timing_rule": 1}
    possible_models = STDP_MODELS


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    extra_parameters = {"weight_rule": 0}
    possible_models = STDP_MODELS


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    extra_parameters = {"weight_rule": 1}
    possible_models = STDP_MODELS


class AdditivePotentiationMultiplicativeDepression(
        synapses.AdditivePotentiationMultiplicativeDepression):
    __doc__ = synapses.AdditivePotentiationMultiplicativeDepression.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    extra_parameters = {"weight_rule": 2}
    possible_models = STDP_MODELS


class GutigWeightDependence(synapses.GutigWeightDependence):
    __doc__ = synapses.GutigWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"),
                                      ("mu_plus", "mu_plus"), ("mu_minus", "mu_minus"))
    extra_parameters = {"weight_rule": 3}
    possible_models = STDP_MODELS
