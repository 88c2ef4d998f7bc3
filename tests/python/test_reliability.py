"""
Reliability from Python: absurd sizes and diverging neurons come back as
PyNN exceptions carrying the kernel's message, and the simulation stays
usable afterwards (tests/c/test_reliability.c has the C side).
"""

import numpy as np
import pytest

import pyNN.ranvier as sim
from pyNN import errors


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=0.1, min_delay="auto")
    yield
    sim.end()


def test_absurd_population_size():
    with pytest.raises(errors.InvalidParameterValueError, match="limit"):
        sim.Population(10**12, sim.IF_curr_exp())
    p = sim.Population(3, sim.IF_curr_exp())   # still usable
    sim.run(1.0)
    assert p.size == 3


def test_absurd_connection_counts():
    a = sim.Population(10, sim.IF_curr_exp())
    b = sim.Population(10, sim.IF_curr_exp())
    for connector in (sim.FixedTotalNumberConnector(10**15, with_replacement=True),
                      sim.FixedNumberPostConnector(10**12, with_replacement=True)):
        with pytest.raises(errors.InvalidParameterValueError, match="connections"):
            sim.Projection(a, b, connector, sim.StaticSynapse(weight=0.1))
    prj = sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1))
    assert prj.size() == 100
    sim.run(1.0)


def test_diverging_neuron_stops_the_run():
    cells = sim.Population(3, sim.HH_cond_exp())
    cells.record("v")
    g = np.zeros(3)
    g[1] = 1e9   # uS: far too stiff to integrate
    cells.initialize(gsyn_exc=g)
    with pytest.raises(errors.InvalidParameterValueError) as info:
        sim.run(5.0)
    message = str(info.value)
    assert "HH_cond_exp" in message and "neuron 1" in message and "sub-steps" in message
    assert sim.get_current_time() < 5.0
    sim.reset()
    cells.initialize(gsyn_exc=0.0)
    sim.run(5.0)
    assert sim.get_current_time() == pytest.approx(5.0)
    v = cells.get_data().segments[-1].analogsignals[0]
    assert np.all(np.isfinite(np.asarray(v)))


def test_ctrl_c_stops_a_long_run():
    """SIGINT during a run that would take hours raises KeyboardInterrupt
    (no time is asserted: the run would not finish within the test's
    lifetime otherwise) and leaves the simulation usable."""
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    cells = sim.Population(2000, sim.IF_curr_exp(i_offset=1.0))
    sim.Projection(cells, cells, sim.FixedProbabilityConnector(0.01),
                   sim.StaticSynapse(weight=0.01, delay=1.0))
    cells.record("spikes")
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sim.run(1e8)
    finally:
        timer.cancel()
    t = sim.get_current_time()
    assert 0 < t < 1e8
    sim.run(10.0)   # runs on from where it stopped
    assert sim.get_current_time() == pytest.approx(t + 10.0)
    sim.reset()
    sim.run(5.0)
    assert sim.get_current_time() == pytest.approx(5.0)
