"""
Running under MPI: `mpirun -np N python script.py` shares one simulation
over N processes (the kernel's ranvier_mpi.h).  Each process holds the
neurons [n r / N, n (r + 1) / N) of every Population of n, and the synapses
onto them; the results are bit for bit those of one process.

MPI is used only when the script was started by an MPI launcher with more
than one process (the launcher's environment says so), or when the script
imported mpi4py.MPI itself and runs with more than one process: a plain
`python script.py` never initialises MPI.

:copyright: Copyright the Ranvier developers.
"""

import os
import sys
import traceback

# What Open MPI, MPICH/Hydra and PMIx launchers put in each process's environment.
_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")


def _launched_size():
    for name in _SIZE_VARIABLES:
        try:
            return int(os.environ[name])
        except (KeyError, ValueError):
            continue
    return 1


def world():
    """mpi4py's COMM_WORLD if this process is one of several, else None."""
    if _launched_size() <= 1 and "mpi4py.MPI" not in sys.modules:
        return None
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise ImportError("this script runs under mpirun with several processes, but mpi4py "
                          "is not installed (pip install -r requirements.txt: see the "
                          "README)") from err
    comm = MPI.COMM_WORLD
    return comm if comm.Get_size() > 1 else None


def address_of(comm):
    """The address of the MPI_Comm handle that the kernel reads."""
    from mpi4py import MPI
    return MPI._addressof(comm)


def max_over_processes(comm, value):
    """The largest of every process's value (a collective call)."""
    from mpi4py import MPI
    return comm.allreduce(value, op=MPI.MAX)


_hooked = False


def abort_on_uncaught_exception(comm):
    """An exception that ends one process's script ends all of them.

    Without this the others would wait for it in their next collective call
    (a run) for ever.  The traceback is printed, prefixed with the rank, and
    MPI_Abort ends the job with status 1."""
    global _hooked
    if _hooked:
        return
    previous = sys.excepthook

    def hook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
        else:
            text = "".join(traceback.format_exception(kind, value, tb))
            sys.stderr.write("".join("[rank %d] %s\n" % (comm.Get_rank(), line)
                                     for line in text.rstrip("\n").split("\n")))
            sys.stderr.flush()
        comm.Abort(1)

    sys.excepthook = hook
    _hooked = True
