"""
The simulator state of the Ranvier backend: one kernel simulation
(ranvier._core.Sim) per setup(), plus the bookkeeping PyNN's common layer
reads (time, time step, delays, recorders, segment counter).

:copyright: Copyright the Ranvier developers.
"""

import time

import numpy as np

from pyNN import common, errors

from ranvier import _core

from . import mpi

name = "Ranvier"

# Kernel gids start at 0; PyNN IDs start at 1, like NEST's node ids, so
# that no cell has the ID 0 (which is false in boolean context).
ID_OFFSET = 1


class ID(int, common.IDMixin):
    """A cell: an int (the PyNN ID) that knows its parent Population."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


def make_ids(parent, first, n):
    """The `n` consecutive IDs of a new Population starting at `first`.

    The IDs are instances of a subclass of ID made for this Population,
    whose class attribute `parent` is the Population, so that creating a
    large Population does not set an attribute cell by cell.
    """
    cls = type("ID", (ID,), {"parent": parent, "__module__": __name__})
    ids = np.empty(n, dtype=object)
    ids[:] = list(map(cls, range(first, first + n)))
    return ids


# Kernel status names -> PyNN exception classes, for errors that are not
# given a more specific class where they are raised.
_ERRORS = {
    "RV_ERR_VALUE": errors.InvalidParameterValueError,
    "RV_ERR_NAME": errors.NonExistentParameterError,
    "RV_ERR_SIZE": ValueError,
    "RV_ERR_INDEX": IndexError,
    "RV_ERR_HANDLE": RuntimeError,
    "RV_ERR_PHASE": RuntimeError,
    "RV_ERR_NOMEM": MemoryError,
    "RV_ERR_LIMIT": errors.InvalidParameterValueError,
    "RV_ERR_NULL": RuntimeError,
}


def translate_error(err, kind=None):
    """A PyNN exception for a kernel error (`kind` overrides the class)."""
    status, message = err.args[0], err.args[1]
    cls = kind or _ERRORS.get(status, RuntimeError)
    if cls is errors.NonExistentParameterError:
        return errors.NonExistentParameterError(message, "", [])
    return cls(message)


def local_range(n):
    """This process's share [lo, hi) of a Population of n (all of it
    without MPI; see mpi.py)."""
    r, p = state.mpi_rank, state.num_processes
    return n * r // p, n * (r + 1) // p


class State(common.control.BaseState):
    """The state of the current simulation (the `state` singleton)."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.kernel = None
        self.dt = 0.1
        self.min_delay = 0.1
        self.max_delay = 10.0
        self.seed = 1
        self.threads = 1
        # Counts runs and resets: cached synaptic values (learned weights,
        # state variables such as u) are stale once it changes.
        self.generation = 0
        self.clear()

    # -- configuration ----------------------------------------------------

    def configure(self, dt, min_delay, max_delay, seed):
        """Applies the time step, delay bounds and seed to a fresh kernel."""
        lo = 0.0 if min_delay == "auto" else float(min_delay)
        hi = 0.0 if max_delay == "auto" else float(max_delay)
        try:
            self.kernel.set_timing(float(dt), lo, hi)
            self.kernel.set_seed(int(seed))
        except _core.KernelError as err:
            raise translate_error(err)
        self.dt = float(dt)
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.seed = int(seed)

    def set_threads(self, n):
        try:
            self.kernel.set_threads(int(n))
        except _core.KernelError as err:
            raise translate_error(err)
        self.threads = int(n)

    @property
    def t(self):
        return self.kernel.info()["t"]

    # -- running ----------------------------------------------------------

    def run(self, simtime):
        self.run_until(self.t + simtime)

    # The kernel holds the interpreter until a call returns, so a long run is
    # made of calls of about _CHUNK_S seconds each: between them Python
    # handles signals, and Ctrl-C raises KeyboardInterrupt within about that
    # time, leaving the simulation at the end of the last call, usable (run
    # on, or reset).  Split runs give the same results as one call: the
    # kernel's slices are aligned to absolute steps.
    _CHUNK_S = 0.2
    _FIRST_CHUNK_STEPS = 64

    def run_until(self, tstop):
        self.generation += 1
        tstop = float(tstop)
        try:
            self._run_in_chunks(tstop)
        except _core.KernelError as err:
            raise translate_error(err)
        finally:
            self.running = True
        if self.min_delay == "auto":
            info = self.kernel.info()
            if info["min_delay"] > 0:
                self.min_delay = info["min_delay"]

    def _run_in_chunks(self, tstop):
        info = self.kernel.info()
        dt, t = info["dt"], info["t"]
        steps = self._FIRST_CHUNK_STEPS
        while True:
            target = t + steps * dt
            if not target < tstop - 0.5 * dt:   # the last call: to tstop exactly
                self.kernel.run_until(tstop)
                return
            t0 = time.perf_counter()
            self.kernel.run_until(target)
            elapsed = time.perf_counter() - t0
            if self.comm is not None:
                # every process must choose the same next target: each
                # slice is a collective call
                elapsed = mpi.max_over_processes(self.comm, elapsed)
            t = self.kernel.info()["t"]
            if elapsed < 0.5 * self._CHUNK_S:
                steps = min(2 * steps, 1 << 40)
            elif elapsed > 2 * self._CHUNK_S:
                steps = max(1, steps // 2)

    def reset(self):
        """Back to t = 0 with the initial values; recorded data is dropped."""
        if self.kernel is not None:
            self.kernel.reset()
        self.generation += 1
        self.running = False
        self.t_start = 0
        self.segment_counter += 1

    def clear(self):
        """A new, empty network (setup() calls this)."""
        if self.kernel is not None:
            self.kernel.close()
        self.kernel = _core.Sim()
        self.comm = comm = mpi.world()
        if comm is not None:
            try:
                self.kernel.set_mpi(mpi.address_of(comm))
            except _core.KernelError as err:
                raise translate_error(err)
            mpi.abort_on_uncaught_exception(comm)
            self.num_processes, self.mpi_rank = comm.Get_size(), comm.Get_rank()
        self.recorders = set([])
        self.write_on_end = []
        self.populations = []
        self.current_sources = []
        # (current source, root Population, indices) per inject_into, and the
        # Projections in creation order: what ranvier.exchange exports.
        self.injections = []
        self.projections = []
        self.n_projections = 0
        self.segment_counter = -1
        self.reset()


state = State()
