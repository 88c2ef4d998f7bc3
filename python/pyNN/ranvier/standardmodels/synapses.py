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
