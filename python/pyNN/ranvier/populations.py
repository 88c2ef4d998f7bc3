"""
Populations, views and assemblies of the Ranvier backend.

A Population owns one kernel population (`_handle`); a PopulationView
addresses a subset of its root Population's neurons by index.  Parameters
and initial values cross to the kernel as whole arrays.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ArrayParameter, LazyArray, ParameterSpace, Sequence, simplify
from pyNN.standardmodels import StandardCellType

from ranvier import _core

from . import simulator
from .recording import Recorder


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

    def _list_parameters(self):
        """Native names of the parameters that hold one list per neuron
        (Sequence-valued in PyNN: spike_times, SpikeSourceInhGamma's a, b,
        tbins); the kernel keeps them as array parameters.  Translations of
        these are the identity."""
        return {name for name, kind in self.celltype.get_schema().items()
                if isinstance(kind, type) and issubclass(kind, ArrayParameter)}

    def get(self, parameter_names, gather=False, simplify=True):
        """As PyNN's get(); under MPI with gather, the values are simplified
        to one value only once gathered (PyNN's own get() simplifies each
        process's share first, so that a share whose values happen to be
        equal -- a single cell -- is not gathered at all)."""
        if not (gather and state().num_processes > 1 and simplify):
            return super().get(parameter_names, gather=gather, simplify=simplify)
        values = super().get(parameter_names, gather=True, simplify=False)
        if state().mpi_rank != 0:
            return values

        def simplified(v):
            v = np.asarray(v)
            return v.flat[0] if v.ndim == 1 and v.size > 0 and v.dtype != object and np.all(
                v == v.flat[0]) else v

        if isinstance(parameter_names, str):
            return simplified(values)
        return [simplified(v) for v in values]

    def _get_native_parameters(self, *names):
        """The values of this process's cells (PyNN: local_size of them)."""
        handle, idx = self._kernel_target()
        local = None if state().num_processes == 1 else self._mask_local
        values = {}
        lists = self._list_parameters()
        for name in names:
            if name in lists:
                out = self._get_lists(handle, idx, name)
            else:
                out = np.empty(self.size)
                self._kernel_call(state().kernel.pop_get_param, handle, name, idx, out)
            if local is not None:
                out = out[local]
            values[name] = out if name in lists or out.size == 0 else simplify(out)
        return ParameterSpace(values, shape=(self.local_size,))

    def _set_parameters(self, parameter_space):
        """Pushes native parameters to the kernel; if one is rejected, the
        ones already written in this call are restored."""
        handle, idx = self._kernel_target()
        parameter_space.evaluate(simplify=True)
        kernel = state().kernel
        lists = self._list_parameters()
        written = []
        try:
            for name, value in parameter_space.items():
                if name in lists:
                    old = self._get_lists(handle, idx, name)
                    self._set_lists(handle, idx, name, value)
                    written.append((name, old))
                    continue
                old = np.empty(self.size)
                self._kernel_call(kernel.pop_get_param, handle, name, idx, old)
                values = np.ascontiguousarray(np.broadcast_to(value, (self.size,))
                                              if np.ndim(value) else [value], dtype=np.float64)
                self._kernel_call(kernel.pop_set_param, handle, name, idx, values)
                written.append((name, old))
        except Exception:
            for name, old in written:
                if name in lists:
                    self._set_lists(handle, idx, name, old)
                else:
                    kernel.pop_set_param(handle, name, idx, old)
            raise

    def _set_initial_value_array(self, variable, value):
        handle, idx = self._kernel_target()
        values = value.evaluate(simplify=True) if hasattr(value, "evaluate") else value
        values = np.ascontiguousarray(np.broadcast_to(values, (self.size,))
                                      if np.ndim(values) else [values], dtype=np.float64)
        self._kernel_call(state().kernel.pop_set_initial, handle, variable, idx, values)

    # -- list-valued parameters (spike times, SpikeSourceInhGamma's bins) ----

    def _set_lists(self, handle, idx, name, value):
        """One Sequence for all neurons, or an array of Sequences."""
        if isinstance(value, ArrayParameter):
            lists = [np.asarray(value.value, dtype=np.float64)] * self.size
        else:
            lists = [np.asarray(v.value if isinstance(v, ArrayParameter) else v,
                                dtype=np.float64).ravel()
                     for v in np.broadcast_to(value, (self.size,))]
        offsets = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum([x.size for x in lists], out=offsets[1:])
        values = np.concatenate(lists) if lists else np.zeros(0)
        values = np.ascontiguousarray(values, dtype=np.float64)
        self._kernel_call(state().kernel.pop_set_array_param, handle, name,
                          idx if idx is not None else None, offsets, values)

    def _get_lists(self, handle, idx, name):
        offsets, values = self._kernel_call(state().kernel.pop_get_array_param, handle, name,
                                            idx if idx is not None else None)
        offsets = np.frombuffer(offsets, dtype=np.int64)
        values = np.frombuffer(values, dtype=np.float64)
        out = np.empty(self.size, dtype=object)
        for k in range(self.size):
            out[k] = Sequence(values[offsets[k]:offsets[k + 1]].copy())
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

    @property
    def initial_values(self):
        return _ViewInitialValues(self)


class _ViewInitialValues:
    """`initial_values` of a PopulationView.  PyNN's PopulationView.initialize()
    sets the values (_set_initial_value_array) and then stores them in
    `view.initial_values`, which PyNN leaves unimplemented, so that it would
    raise NotImplementedError after the values have changed.  Here the root
    Population's record is refreshed from the kernel instead, and reads give
    the view's share of it."""

    def __init__(self, view):
        self._view = view

    def _kernel_values(self, variable):
        root = self._view.grandparent
        values = np.empty(root.size)
        RanvierPopulationMixin._kernel_call(state().kernel.pop_get_initial, root._handle,
                                            variable, None, values)
        return root, values

    def __contains__(self, variable):
        return variable in self._view.grandparent.initial_values

    def __getitem__(self, variable):
        _, values = self._kernel_values(variable)
        idx = self._view.index_in_grandparent(np.arange(self._view.size))
        return LazyArray(values[idx], shape=(self._view.size,))

    def __setitem__(self, variable, value):
        root, values = self._kernel_values(variable)
        root.initial_values[variable] = LazyArray(values, shape=(root.size,))


class Population(RanvierPopulationMixin, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        celltype = self.celltype
        kernel = state().kernel
        if hasattr(celltype, "kernel_spec"):
            component, names, kinds = celltype.kernel_spec()
            self._handle = self._kernel_call(kernel.pop_create_composed, component, names, kinds,
                                             int(self.size))
        else:
            model = getattr(celltype, "kernel_model", None)
            if model is None:
                raise errors.InvalidModelError(
                    "%s is not available in Ranvier" % type(celltype).__name__)
            self._handle = self._kernel_call(kernel.pop_create, model, int(self.size))
        _, _, first_gid = kernel.pop_info(self._handle)
        self.all_cells = simulator.make_ids(self, first_gid + simulator.ID_OFFSET, self.size)
        lo, hi = simulator.local_range(self.size)
        self._mask_local = np.zeros((self.size,), bool)
        self._mask_local[lo:hi] = True
        parameter_space = celltype.native_parameters
        parameter_space.shape = (self.size,)
        self._set_parameters(parameter_space)
        state().populations.append(self)

    def _kernel_target(self):
        return self._handle, None

    def id_to_index(self, id):
        """As PyNN's, and an empty array for no IDs: under MPI, the
        recorded cells of a process that holds none (PyNN's own version
        fails on the empty array, a process of a Population smaller than
        the number of processes)."""
        if isinstance(id, (np.ndarray, list, tuple)) and len(id) == 0:
            return np.zeros(0, dtype=int)
        return super().id_to_index(id)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)
