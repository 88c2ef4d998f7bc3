"""
Current sources of the Ranvier backend.

The kernel computes a source's value at every step from its parameters
(src/electrodes/current_source.c); parameters set here, at creation or
between runs, go straight to the kernel.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np


from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

from ranvier import _core

from .. import simulator
from ..simulator import state


def _cells_by_population(cells):
    """Groups cells (a Population, view, Assembly or list of IDs) by their
    root Population: yields (population, indices)."""
    from ..populations import Assembly, PopulationView

    if isinstance(cells, Assembly):
        for p in cells.populations:
            yield from _cells_by_population(p)
        return
    if isinstance(cells, PopulationView):
        yield cells.grandparent, cells.index_in_grandparent(np.arange(cells.size))
        return
    if hasattr(cells, "all_cells") and hasattr(cells, "_handle"):
        yield cells, np.arange(cells.size)
        return
    groups = {}
    for id in cells:
        groups.setdefault(id.parent, []).append(id)
    for parent, ids in groups.items():
        root = parent.grandparent if isinstance(parent, PopulationView) else parent
        yield root, root.id_to_index(np.array(ids, dtype=np.int64))


class RanvierCurrentSource(StandardCurrentSource):
    """A current source held by the kernel."""

    kernel_model = None

    def __init__(self, **parameters):
        object.__setattr__(self, "_handle", state.kernel.cs_create(self.kernel_model))
        parameter_space = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        parameter_space.update(**parameters)
        self.set_native_parameters(self.translate(parameter_space))
        state.current_sources.append(self)

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        values = dict(parameters.items())
        try:
            if "times" in values or "amplitudes" in values:
                self._set_steps(values.pop("times", None), values.pop("amplitudes", None))
            for name, value in values.items():
                state.kernel.cs_set(self._handle, name, float(value))
        except _core.KernelError as err:
            raise simulator.translate_error(err)

    def get_native_parameters(self):
        return ParameterSpace({name: state.kernel.cs_get(self._handle, name)
                               for name in self.get_native_names()})

    def get_parameters(self):
        """The parameters as plain values (numbers, or arrays for the step
        source's times and amplitudes), as NEURON's backend gives them."""
        parameter_space = self.reverse_translate(self.get_native_parameters())
        parameter_space.shape = (1,)
        parameter_space.evaluate(simplify=True)
        return {name: value.value if isinstance(value, Sequence) else value
                for name, value in parameter_space.as_dict().items()}

    def inject_into(self, cells):
        for population, indices in _cells_by_population(cells):
            if not population.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
            try:
                state.kernel.cs_inject(self._handle, population._handle,
                                       np.ascontiguousarray(indices, dtype=np.int64))
            except _core.KernelError as err:
                raise simulator.translate_error(err)
            state.injections.append((self, population, np.asarray(indices, dtype=np.int64)))

    def record(self):
        state.kernel.cs_record(self._handle, True)

    def _get_data(self):
        trace = np.frombuffer(state.kernel.cs_get_trace(self._handle), dtype=np.float64).copy()
        return np.arange(trace.size) * state.dt, trace

    def _reset(self):
        pass


class DCSource(RanvierCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"))
    kernel_model = "DCSource"


class ACSource(RanvierCurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"), ("frequency", "frequency"),
                                      ("offset", "offset"), ("phase", "phase"))
    kernel_model = "ACSource"


class NoisyCurrentSource(RanvierCurrentSource, electrodes.NoisyCurrentSource):
    """A Gaussian "white" noise current source: a new value mean + stdev N(0, 1)
    every `dt` ms from `start` to `stop`.  The values come from the kernel's
    generator, keyed by the simulation seed and the source, so they repeat
    after reset() and do not depend on how the network is distributed."""

    translations = build_translations(("mean", "mean"), ("start", "start"), ("stop", "stop"),
                                      ("stdev", "stdev"), ("dt", "dt"))
    kernel_model = "NoisyCurrentSource"


class StepCurrentSource(RanvierCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))
    kernel_model = "StepCurrentSource"

    def _set_steps(self, times, amplitudes):
        old_times, old_amplitudes = self._steps()
        times = old_times if times is None else _as_array(times)
        amplitudes = old_amplitudes if amplitudes is None else _as_array(amplitudes)
        if times.size != amplitudes.size:
            raise ValueError("StepCurrentSource needs as many times (%d) as amplitudes (%d)"
                             % (times.size, amplitudes.size))
        try:
            state.kernel.cs_set_steps(self._handle, times, amplitudes)
        except _core.KernelError as err:
            raise ValueError(err.args[1])

    def _steps(self):
        t, a = state.kernel.cs_get_steps(self._handle)
        return np.frombuffer(t, dtype=np.float64), np.frombuffer(a, dtype=np.float64)

    def get_native_parameters(self):
        times, amplitudes = self._steps()
        return ParameterSpace({"times": Sequence(times.copy()),
                               "amplitudes": Sequence(amplitudes.copy())})


def _as_array(value):
    if isinstance(value, Sequence):
        value = value.value
    return np.ascontiguousarray(value, dtype=np.float64).ravel()
