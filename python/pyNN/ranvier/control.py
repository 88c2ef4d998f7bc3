"""
Simulation control for the Ranvier backend: setup, run, reset, end and the
state queries.

:copyright: Copyright the Ranvier developers.
"""

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import simulator

DEFAULT_SEED = 1


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """
    Initialises (or reinitialises) the simulator; any existing network is
    destroyed.

    Ranvier-specific keyword arguments:
        `rng_seed`: seed of every random draw the kernel makes (Poisson
            sources, noise, connection rules without a NumpyRNG); default 1.
            `seed` is accepted as a synonym.
        `max_delay`: as in PyNN; 'auto' (the default) sizes buffers from
            the delays actually used.
        `threads`: number of threads (default 1); results are bit for bit
            the same for any number.
    Other keyword arguments that other backends use (verbosity,
    spike_precision, ...) are accepted and ignored.
    """
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    state = simulator.state
    state.clear()
    seed = extra_params.get("rng_seed", extra_params.get("seed", DEFAULT_SEED))
    state.configure(timestep, min_delay, max_delay, seed)
    state.set_threads(extra_params.get("threads", 1))
    return rank()


def end(compatible_output=True):
    """Writes the data of populations recorded with a filename."""
    state = simulator.state
    for (population, variables, filename) in state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)
