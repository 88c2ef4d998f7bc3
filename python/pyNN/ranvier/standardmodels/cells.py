"""
Standard cell types of the Ranvier backend.

Each class subclasses PyNN's standard definition (parameter names,
defaults, units) and names the kernel model that implements it.  The kernel
speaks PyNN's names and units, so every translation is the identity; the
kernel's own tables (ranvier.model_info) are checked against PyNN's in
tests/python/test_models_table.py.

:copyright: Copyright the Ranvier developers.
"""

from pyNN.standardmodels import cells, build_translations

__all__ = ["IF_curr_exp", "IF_curr_alpha", "IF_curr_delta", "IF_cond_exp", "IF_cond_alpha",
           "SpikeSourcePoisson", "SpikeSourceArray"]


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
