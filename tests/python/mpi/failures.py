"""
Failures under mpirun (test_mpi.py).

    mpirun -np N python failures.py agreed    # a bad value only the last process holds
    mpirun -np N python failures.py uncaught  # an exception on rank 1 alone

`agreed`: the kernel's check of the run fails on the process that holds
the neuron; every process gets the same PyNN exception, prints it, and goes
on (a fixed value runs).  `uncaught`: the job must end, with the
traceback, instead of the others waiting for rank 1 in their next run.
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
else:
    izh[11:12].set(c=-65.0)
    if sim.rank() == 1:
        raise RuntimeError("a failure on rank 1 alone")
    sim.run(10.0)
    print("rank %d should not get here" % sim.rank(), flush=True)
sim.end()
