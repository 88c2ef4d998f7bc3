"""
Populations, views and assemblies of the Ranvier backend.

A Population owns one kernel population (`_handle`); a PopulationView
addresses a subset of its root Population's neurons by index.  Parameters
and initial values cross to the kernel as whole arrays.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify
from pyNN.standardmodels import StandardCellType

from ranvier import _core

from . import simulator
from .recording import Recorder

SCHEDULE = "spike_times"   # the one parameter that is a list per neuron


class Assembly(common.Assembly):
    _simulator = simulator


class RanvierPopulationMixin:
    """Parameter and initial-value hooks shared by Population and view.

    `_kernel_target()` gives the kernel handle of the root Population and
    the indices addressed (None for the whole Population)."""

    def _get_parameters(self, *names):
        celltype = self.celltype
        if isinstance(celltype, StandardCellType):
            if any(name in celltype.computed_parameters() for name in names):
                native_names = celltype.get_native_names()
            else:
                native_names = celltype.get_native_names(*names)
            return celltype.reverse_translate(self._get_native_parameters(*native_names))
        return self._get_native_parameters(*names)

    def _get_native_parameters(self, *names):
        handle, idx = self._kernel_target()
        n = self.size
        values = {}
        for name in names:
            if name == SCHEDULE:
                values[name] = self._get_schedules(handle, idx)
                continue
            out = np.empty(n)
            self._kernel_call(state().kernel.pop_get_param, handle, name, idx, out)
            values[name] = simplify(out)
        return ParameterSpace(values, shape=(n,))

    def _set_parameters(self, parameter_space):
        """Pushes native parameters to the kernel; if one is rejected, the
        ones already written in this call are restored."""
        handle, idx = self._kernel_target()
        parameter_space.evaluate(simplify=True)
        kernel = state().kernel
        written = []
        try:
            for name, value in parameter_space.items():
                if name == SCHEDULE:
                    self._set_schedules(handle, idx, value)
                    continue
                old = np.empty(self.size)
                self._kernel_call(kernel.pop_get_param, handle, name, idx, old)
                values = np.ascontiguousarray(np.broadcast_to(value, (self.size,))
                                              if np.ndim(value) else [value], dtype=np.float64)
                self._kernel_call(kernel.pop_set_param, handle, name, idx, values)
                written.append((name, old))
        except Exception:
            for name, old in written:
                kernel.pop_set_param(handle, name, idx, old)
            raise

    def _set_initial_value_array(self, variable, value):
        handle, idx = self._kernel_target()
        values = value.evaluate(simplify=True) if hasattr(value, "evaluate") else value
        values = np.ascontiguousarray(np.broadcast_to(values, (self.size,))
                                      if np.ndim(values) else [values], dtype=np.float64)
        self._kernel_call(state().kernel.pop_set_initial, handle, variable, idx, values)

    # -- spike times of SpikeSourceArray ------------------------------------

    def _set_schedules(self, handle, idx, value):
        """One Sequence for all neurons, or an array of Sequences."""
        if isinstance(value, Sequence):
            lists = [np.asarray(value.value, dtype=np.float64)] * self.size
        else:
            lists = [np.asarray(v.value if isinstance(v, Sequence) else v, dtype=np.float64)
                     for v in np.broadcast_to(value, (self.size,))]
        offsets = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum([x.size for x in lists], out=offsets[1:])
        times = np.concatenate(lists) if lists else np.zeros(0)
        times = np.ascontiguousarray(times, dtype=np.float64)
        self._kernel_call(state().kernel.pop_set_spike_times, handle,
                          idx if idx is not None else None, offsets, times)

    def _get_schedules(self, handle, idx):
        indices = np.arange(self.size) if idx is None else idx
        out = np.empty(self.size, dtype=object)
        for k, i in enumerate(indices):
            times = np.frombuffer(state().kernel.pop_get_spike_times(handle, int(i)))
            out[k] = Sequence(times.copy())
        return out

    @staticmethod
    def _kernel_call(fn, *args):
        try:
            return fn(*args)
        except _core.KernelError as err:
            raise simulator.translate_error(err)


def state():
    return simulator.state


class PopulationView(RanvierPopulationMixin, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _kernel_target(self):
        root = self.grandparent
        idx = self.index_in_grandparent(np.arange(self.size))
        return root._handle, np.ascontiguousarray(idx, dtype=np.int64)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(RanvierPopulationMixin, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        celltype = self.celltype
        model = getattr(celltype, "kernel_model", None)
        if model is None:
            raise errors.InvalidModelError(
                "%s is not available in Ranvier" % type(celltype).__name__)
        kernel = state().kernel
        self._handle = self._kernel_call(kernel.pop_create, model, int(self.size))
        _, _, first_gid = kernel.pop_info(self._handle)
        self.all_cells = simulator.make_ids(self, first_gid + simulator.ID_OFFSET, self.size)
        self._mask_local = np.ones((self.size,), bool)
        parameter_space = celltype.native_parameters
        parameter_space.shape = (self.size,)
        self._set_parameters(parameter_space)
        state().populations.append(self)

    def _kernel_target(self):
        return self._handle, None

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)
