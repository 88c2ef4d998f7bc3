"""
Ranvier: a spiking neural network simulator with a C11 kernel.

The kernel is reached through ``ranvier._core`` (thin bindings to
include/ranvier/ranvier.h).  The PyNN backend lives in ``pyNN.ranvier``:

    import pyNN.ranvier as sim
"""

from . import _core
from ._core import KernelError, Sim  # noqa: F401

__version__ = _core.version


def models():
    """Names of the kernel's built-in models."""
    return _core.models()


def model_info(name):
    """Parameter, variable and receptor tables of a kernel model."""
    return _core.model_info(name)
