"""
Failures under mpirun (test_mpi.py).

    mpirun -np N python failures.py agreed    # a bad value only the last process holds
    mpirun -np N python failures.py uncaught  # an exception on rank 1 alone
    mpirun -np N python failures.py uneven    # rank 0's kernel calls take longer

`agreed`: the kernel's check of the run fails on the process that holds
the neuron; every process gets the same PyNN exception, prints it, and goes
on (a fixed value runs).  `uncaught`: the job must end, with the
traceback, instead of the others waiting for rank 1 in their next run.
`uneven`: a run is made of calls of about 0.2 s (so that Ctrl-C works),
sized by how long the last one took; rank 0's first takes 0.5 s longer,
and all processes must still choose the same calls (each slice is a
collective).
"""

import sys

import pyNN.ranvier as sim
from pyNN import errors

sim.setup(timestep=0.1)
izh = sim.Population(12, sim.Izhikevich())
izh[11:12].set(c=40.0)   # above the spike level: refused when the run starts
if sys.argv[1] == "agreed":
    try:
        sim.run(10.0)
    except errors.InvalidParameterValueError as err:
        print("rank %d caught: %s" % (sim.rank(), err), flush=True)
    izh[11:12].set(c=-65.0)
    sim.run(10.0)
    print("rank %d ran on to %g ms" % (sim.rank(), sim.get_current_time()), flush=True)
elif sys.argv[1] == "uneven":
    import time

    class SlowOnRank0:
        """The kernel, its first run_until 0.5 s longer on rank 0."""

        def __init__(self, kernel):
            self._kernel = kernel
            self.targets = []

        def __getattr__(self, name):
            return getattr(self._kernel, name)

        def run_until(self, t):
            self._kernel.run_until(t)
            # after the call, so that the others do not wait for it there
            if sim.rank() == 0 and not self.targets:
                time.sleep(0.5)
            self.targets.append(t)

    izh[11:12].set(c=-65.0)
    izh.record("spikes")
    state = sim.simulator.state
    state.kernel = SlowOnRank0(state.kernel)
    sim.run(200.0)
    slow, state.kernel = state.kernel, state.kernel._kernel
    n = izh.get_spike_counts()
    print("rank %d ran to %g ms: %d spikes, calls to %s" % (
        sim.rank(), sim.get_current_time(), sum(n.values()), slow.targets), flush=True)
else:
    izh[11:12].set(c=-65.0)
    if sim.rank() == 1:
        raise RuntimeError("a failure on rank 1 alone")
    sim.run(10.0)
    print("rank %d should not get here" % sim.rank(), flush=True)
sim.end()
