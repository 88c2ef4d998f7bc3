"""
NativeRNG for the Ranvier backend: random draws made by the kernel.

A NativeRNG tells a connector or a RandomDistribution to draw in C from the
kernel's counter-based generator, keyed by the simulation seed (setup's
`rng_seed`), so that draws are fast and do not depend on how the network
is distributed.  Its own `seed`, if given, selects an independent stream.

:copyright: Copyright the Ranvier developers.
"""

from pyNN import random


class NativeRNG(random.NativeRNG):
    """Use the kernel's generator (see the module docstring)."""

    parallel_safe = True

    def next(self, n=None, distribution=None, parameters=None, mask=None):
        raise NotImplementedError(
            "Ranvier's NativeRNG draws inside the kernel; it cannot produce numbers in Python. "
            "Use a NumpyRNG where values are needed outside a connector.")
