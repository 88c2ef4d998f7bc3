"""
PyNN's connectors, as seen from Ranvier.

Every PyNN connector works here.  The random ones are subclassed only to
remember whether the user gave no RNG (or a Ranvier NativeRNG): then the
connection rule runs in the kernel with its own generator, which is much
faster than drawing in Python.  With a NumpyRNG the connections are exactly
those PyNN's own algorithm draws from it (see fastconnect.py).

:copyright: Copyright the Ranvier developers.
"""

import inspect

from pyNN import connectors
from pyNN.connectors import *  # noqa: F401,F403

from .random import NativeRNG


def _remember_native_rng(base):
    signature = inspect.signature(base.__init__)

    class Connector(base):
        __doc__ = base.__doc__

        def __init__(self, *args, **kwargs):
            base.__init__(self, *args, **kwargs)
            rng = signature.bind(self, *args, **kwargs).arguments.get("rng")
            self.native_rng = rng is None or isinstance(rng, NativeRNG)

    Connector.__name__ = Connector.__qualname__ = base.__name__
    Connector.__module__ = __name__
    return Connector


FixedProbabilityConnector = _remember_native_rng(connectors.FixedProbabilityConnector)
FixedNumberPreConnector = _remember_native_rng(connectors.FixedNumberPreConnector)
FixedNumberPostConnector = _remember_native_rng(connectors.FixedNumberPostConnector)
FixedTotalNumberConnector = _remember_native_rng(connectors.FixedTotalNumberConnector)
DistanceDependentProbabilityConnector = _remember_native_rng(
    connectors.DistanceDependentProbabilityConnector)
IndexBasedProbabilityConnector = _remember_native_rng(connectors.IndexBasedProbabilityConnector)
DisplacementDependentProbabilityConnector = _remember_native_rng(
    connectors.DisplacementDependentProbabilityConnector)
SmallWorldConnector = _remember_native_rng(connectors.SmallWorldConnector)
