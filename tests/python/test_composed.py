"""
Composed point neurons through PyNN's API: PointNeuron(LIF or AdExp,
<name>=<post-synaptic response>, ...).

With receptors that match a monolithic model's synapses, the composed cell
is that model to rounding (the kernel's own tests check the same at the C
level, tests/c/test_point_neuron.c); receptor parameters are read and set
by "<receptor>.<parameter>" and by nested dictionaries, their state is
recorded under "<receptor>.<variable>", and bad compositions raise PyNN's
errors.
"""

import numpy as np
import pytest
from pyNN.errors import ConnectionError, InvalidParameterValueError

import pyNN.ranvier as sim

EXC_TIMES = [5.0, 12.0, 12.5, 30.0, 31.0]
INH_TIMES = [20.0, 45.0]


def _run(celltype, receptors, weights, i_offset, record=("v",)):
    sim.setup(timestep=0.1, min_delay=0.1)
    cell = sim.Population(1, celltype, initial_values={"v": -60.0})
    cell.set(i_offset=i_offset)
    for times, receptor, weight in zip((EXC_TIMES, INH_TIMES), receptors, weights):
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=times))
        sim.Projection(source, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=weight, delay=1.0), receptor_type=receptor)
    cell.record(list(record) + ["spikes"])
    sim.run(60.0)
    seg = cell.get_data().segments[0]
    signals = {name: np.asarray(seg.filter(name=name)[0].magnitude)[:, 0] for name in record}
    spikes = np.asarray(seg.spiketrains[0].magnitude)
    sim.end()
    return signals, spikes


def test_lif_with_current_receptors_is_if_curr_exp():
    mono = sim.IF_curr_exp(tau_m=10.0, v_rest=-60.0, tau_syn_E=1.0, tau_syn_I=2.0)
    composed = sim.PointNeuron(sim.LIF(tau_m=10.0, v_rest=-60.0),
                               excitatory=sim.CurrExpPostSynapticResponse(tau_syn=1.0),
                               inhibitory=sim.CurrExpPostSynapticResponse(tau_syn=2.0))
    a, sa = _run(mono, ("excitatory", "inhibitory"), (3.0, -1.0), 1.2)
    b, sb = _run(composed, ("excitatory", "inhibitory"), (3.0, -1.0), 1.2)
    assert sa.size > 0
    np.testing.assert_allclose(b["v"], a["v"], rtol=0, atol=1e-10)
    np.testing.assert_array_equal(sb, sa)


@pytest.mark.parametrize("kind", ["exp", "alpha"])
def test_adexp_with_conductance_receptors_is_eif(kind):
    """While firing: the careful path (adaptive, spike-time location) runs
    with the receptors in closed form."""
    mono = getattr(sim, f"EIF_cond_{kind}_isfa_ista")(
        tau_m=10.0, v_rest=-60.0, tau_syn_E=1.0, tau_syn_I=3.0, e_rev_I=-75.0)
    psr = sim.ExpPSR if kind == "exp" else sim.AlphaPSR
    composed = sim.PointNeuron(sim.AdExp(tau_m=10.0, v_rest=-60.0),
                               AMPA=psr(tau_syn=1.0, e_syn=0.0),
                               GABAA=psr(tau_syn=3.0, e_syn=-75.0))
    record = ("v", "w")
    a, sa = _run(mono, ("excitatory", "inhibitory"), (0.05, 0.05), 0.6, record)
    b, sb = _run(composed, ("AMPA", "GABAA"), (0.05, 0.05), 0.6, record)
    assert sa.size >= 2
    np.testing.assert_array_equal(sb, sa)
    np.testing.assert_allclose(b["v"], a["v"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(b["w"], a["w"], rtol=0, atol=1e-12)


def test_receptor_parameters_and_recording():
    sim.setup(timestep=0.1)
    celltype = sim.PointNeuron(sim.AdExp(tau_m=10.0),
                               AMPA=sim.AlphaPSR(tau_syn=1.0, e_syn=0.0),
                               NMDA=sim.BetaPSR(tau_rise=2.0, tau_decay=40.0, e_syn=0.0),
                               GABAA=sim.ExpPSR(tau_syn=1.5, e_syn=-70.0))
    cells = sim.Population(3, celltype)
    assert cells.get("tau_m") == 10.0
    assert cells.get("GABAA.e_syn") == -70.0
    cells.set(**{"AMPA.tau_syn": 2.0})
    cells.set(NMDA={"tau_decay": 50.0})
    assert cells.get("AMPA.tau_syn") == 2.0 and cells.get("NMDA.tau_decay") == 50.0
    assert set(cells.celltype.receptor_types) == {"AMPA", "NMDA", "GABAA"}
    cells.record(["v", "AMPA.gsyn", "NMDA.gsyn"])
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
    sim.Projection(source, cells, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=0.01, delay=1.0), receptor_type="AMPA")
    sim.Projection(source, cells, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=0.004, delay=1.0), receptor_type="NMDA")
    sim.run(100.0)
    seg = cells.get_data().segments[0]
    ampa = seg.filter(name="AMPA.gsyn")[0]
    nmda = np.asarray(seg.filter(name="NMDA.gsyn")[0].magnitude)[:, 0]
    assert str(ampa.units.dimensionality) == "uS"
    # alpha: peak = weight at tau_syn after the arrival at 11 ms
    g = np.asarray(ampa.magnitude)[:, 0]
    assert np.argmax(g) == int(round((11.0 + 2.0) / 0.1))
    assert g.max() == pytest.approx(0.01, rel=1e-12)
    # beta: peak = weight, at tau_r tau_d / (tau_d - tau_r) ln(tau_d / tau_r)
    t_peak = 2.0 * 50.0 / 48.0 * np.log(25.0)
    assert np.argmax(nmda) == pytest.approx((11.0 + t_peak) / 0.1, abs=1)
    assert nmda.max() == pytest.approx(0.004, rel=1e-3)
    sim.end()


def test_bad_compositions_raise():
    sim.setup()
    mixed = sim.PointNeuron(sim.LIF(), A=sim.CurrExpPostSynapticResponse(),
                            B=sim.CondExpPostSynapticResponse())
    with pytest.raises(InvalidParameterValueError, match="all current-based"):
        sim.Population(1, mixed)
    cells = sim.Population(1, sim.PointNeuron(sim.LIF(), AMPA=sim.ExpPSR()))
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    with pytest.raises(ConnectionError, match="AMPA"):
        sim.Projection(source, cells, sim.AllToAllConnector(), receptor_type="NMDA")
    slow_rise = sim.PointNeuron(sim.LIF(), NMDA=sim.BetaPSR(tau_rise=5.0, tau_decay=2.0))
    sim.Population(1, slow_rise)
    with pytest.raises(InvalidParameterValueError, match="tau_rise"):
        sim.run(1.0)
    sim.end()
