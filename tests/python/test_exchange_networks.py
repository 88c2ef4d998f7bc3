"""
Whole networks through NeuroML 2 and SONATA (docs/exchange.md): plastic
synapses in NeuroML (Tsodyks-Markram and STDP as the LEMS types of
RanvierSynapses.xml), per-neuron initial v without splitting populations,
and the Vogels-Abbott network (static, and with STDP on E->E) and PyNN's
Potjans2014 microcircuit (scale 0.02) exported, imported and run with the
`ranvier run` command: spikes and learned weights bit for bit the same.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import pyNN.ranvier as sim
from ranvier import exchange
from ranvier.exchange import ExchangeError

sys.path.insert(0, os.path.dirname(__file__))
from exchange_nets import spikes_of, vogels_abbott  # noqa: E402

h5py = pytest.importorskip("h5py")
pytestmark = pytest.mark.skipif(importlib.util.find_spec("neuroml") is None,
                                reason="libNeuroML is not installed")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _weights(prj):
    """A projection's weights in connection order (the kernel's)."""
    return np.array(prj.get("weight", format="list", with_address=False))


def _same_spikes(a, b):
    assert set(a) <= set(b)
    for k in a:
        assert np.array_equal(a[k][0], b[k][0]), k
        assert np.array_equal(a[k][1], b[k][1]), k


def _plastic_network(weight_dependence="MultiplicativeWeightDependence", fraction=0.0):
    """Poisson drive onto IF_cond_exp and IF_curr_alpha cells through
    STDP and Tsodyks-Markram synapses with per-connection parameters."""
    from pyNN.random import NumpyRNG, RandomDistribution
    sim.setup(timestep=0.1, min_delay=0.1, rng_seed=5)
    rng = NumpyRNG(seed=5)
    drive = sim.Population(30, sim.SpikeSourcePoisson(rate=40.0), label="drive")
    cond = sim.Population(8, sim.IF_cond_exp(tau_refrac=1.0), label="cond",
                          initial_values={"v": RandomDistribution("uniform", (-65.0, -55.0),
                                                                  rng=rng)})
    curr = sim.Population(6, sim.IF_curr_alpha(tau_syn_E=2.0), label="curr")
    wd = getattr(sim, weight_dependence)(w_min=0.0, w_max=0.02)
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=15.0, tau_minus=25.0, A_plus=0.02,
                                            A_minus=0.025),
        weight_dependence=wd, dendritic_delay_fraction=fraction,
        weight=RandomDistribution("uniform", (0.004, 0.016), rng=rng),
        delay=RandomDistribution("uniform", (0.5, 3.0), rng=rng))
    p_stdp = sim.Projection(drive, cond, sim.FixedProbabilityConnector(0.5, rng=rng), stdp,
                            receptor_type="excitatory", label="stdp")
    tm = sim.TsodyksMarkramSynapse(U=RandomDistribution("uniform", (0.2, 0.6), rng=rng),
                                   tau_rec=300.0, tau_facil=50.0, weight=3.0, delay=1.0)
    p_tm = sim.Projection(drive, curr, sim.FixedProbabilityConnector(0.5, rng=rng), tm,
                          receptor_type="excitatory", label="tm")
    p_tm.initialize(u=0.1)
    cond.record("spikes")
    curr.record(["spikes", "v"])
    return (cond, curr), (p_stdp, p_tm)


@pytest.mark.parametrize("wd", ["MultiplicativeWeightDependence", "AdditiveWeightDependence",
                                "GutigWeightDependence"])
def test_plastic_synapses_round_trip_bit_identical(tmp_path, wd):
    """STDP and Tsodyks-Markram (with an initial u) through NeuroML (Ranvier's
    LEMS types; XML and HDF5) and SONATA: the same spikes, v and learned
    weights."""
    pops, prjs = _plastic_network(wd)
    nml = sim.export(str(tmp_path / "p.net.nml"), duration=300.0)
    sim.export(str(tmp_path / "h" / "p.net.nml.h5"), duration=300.0)
    sim.export(str(tmp_path / "s"), format="sonata", duration=300.0)
    w0 = _weights(prjs[0])
    sim.run(300.0)
    ref = {p.label: spikes_of(p) for p in pops}
    ref_v = np.asarray(pops[1].get_data("v").segments[-1].analogsignals[0])
    ref_w = [_weights(p) for p in prjs]
    assert all(s[0].size > 10 for s in ref.values())
    assert not np.array_equal(ref_w[0], w0)          # the weights have learned
    # the files: a LEMS file of components, named by the .nml; the library beside it
    text = open(nml).read()
    assert "ranvier:synapse_components" in text and "p.synapses.xml" in text
    comps = open(tmp_path / "p.synapses.xml").read()
    assert 'type="stdpExpCondSynapse"' in comps and 'weight_dependence="%s"' % wd in comps
    assert 'type="tsodyksMarkramAlphaCurrSynapse"' in comps and 'u_init="0.1"' in comps
    assert (tmp_path / "RanvierSynapses.xml").exists()
    assert '<Include file="p.synapses.xml"' in open(tmp_path / "LEMS_p.xml").read()
    from neuroml.utils import validate_neuroml2
    validate_neuroml2(nml)
    for path in (tmp_path / "LEMS_p.xml", tmp_path / "p.net.nml", tmp_path / "h" / "LEMS_p.xml",
                 tmp_path / "h" / "p.net.nml.h5", tmp_path / "s" / "simulation_config.json"):
        built = exchange.load(str(path))
        for label in ("stdp", "tm"):
            assert type(built.projections[label].synapse_type).__name__ == {
                "stdp": "STDPMechanism", "tm": "TsodyksMarkramSynapse"}[label]
        assert type(built.projections["stdp"].synapse_type.weight_dependence).__name__ == wd
        built.run()
        _same_spikes(ref, built.spikes())
        got_v = np.asarray(built.populations["curr"].get_data("v").segments[-1]
                           .analogsignals[0])
        assert np.array_equal(ref_v, got_v), path
        for w, label in zip(ref_w, ("stdp", "tm")):
            assert np.array_equal(w, _weights(built.projections[label])), (path, label)
        sim.end()


def _one_plastic_projection(cell, synapse, label):
    """A new network: two Poisson sources onto two cells through `synapse`."""
    sim.setup()
    src = sim.Population(2, sim.SpikeSourcePoisson(rate=10.0), label="src")
    target = sim.Population(2, cell, label="target")
    sim.Projection(src, target, sim.AllToAllConnector(), synapse, label=label)


def _stdp(timing):
    return sim.STDPMechanism(timing_dependence=timing, dendritic_delay_fraction=0.0,
                             weight_dependence=sim.AdditiveWeightDependence(), weight=0.01)


def test_neuroml_refuses_what_its_plastic_synapses_cannot_say(tmp_path):
    _plastic_network(fraction=1.0)
    with pytest.raises(ExchangeError, match="'stdp'.*dendritic_delay_fraction 1"):
        sim.export(str(tmp_path / "a.net.nml"), duration=10.0)
    _one_plastic_projection(sim.HH_cond_exp(), _stdp(sim.SpikePairRule()), "onto_hh")
    with pytest.raises(ExchangeError, match="'onto_hh'.*HH_cond_exp"):
        sim.export(str(tmp_path / "b.net.nml"), duration=10.0)
    _one_plastic_projection(sim.IF_cond_exp(), _stdp(sim.Vogels2011Rule()), "vogels")
    with pytest.raises(ExchangeError, match="'vogels'.*Vogels2011Rule"):
        sim.export(str(tmp_path / "c.net.nml"), duration=10.0)
    _one_plastic_projection(sim.IF_curr_exp(tau_syn_E=100.0),
                            sim.TsodyksMarkramSynapse(tau_rec=100.0), "tm_equal")
    with pytest.raises(ExchangeError, match="'tm_equal'.*tau_rec"):
        sim.export(str(tmp_path / "d.net.nml"), duration=10.0)
    assert os.listdir(tmp_path) == []                 # nothing half-written
    sim.end()


def test_neuroml_random_v_init_keeps_populations_whole(tmp_path):
    """Per-neuron v_init is a population property, not a split; per-neuron
    parameters (I's tau_m) still split."""
    vogels_abbott(sim, n=200)
    model = exchange.capture.capture(150.0)
    sim.export(str(tmp_path / "va.net.nml"), duration=150.0)
    from neuroml.loaders import read_neuroml2_file
    net = read_neuroml2_file(str(tmp_path / "va.net.nml")).networks[0]
    names = [p.id for p in net.populations]
    assert "E" in names and not any(n.startswith("E__") for n in names)
    assert sum(n.startswith("I__") for n in names) == 40
    props = {p.tag: p.value for p in next(p for p in net.populations if p.id == "E").properties}
    v = np.array(props["ranvier:v_init"].split(), dtype=float)
    assert np.array_equal(v, model.population("E").initial_values["v"])
    back = exchange.read(str(tmp_path / "LEMS_va.xml"))
    for label in ("E", "I"):
        assert np.array_equal(back.population(label).initial_values["v"],
                              model.population(label).initial_values["v"])


def _ranvier_run(path, *extra):
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run", str(path),
                             "--quiet"] + list(extra), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _lems_spikes(folder, label, ref):
    """(ids, seconds) of the event file `ranvier run` wrote for a population
    whose EventSelection ids are the cell indices."""
    table = np.loadtxt(str(folder / ("%s.spikes" % label)), ndmin=2)
    ids = table[:, 0].astype(np.int64) if table.size else np.zeros(0, np.int64)
    t = table[:, 1] if table.size else np.zeros(0)
    order = np.lexsort((ids, t))
    return ids[order], t[order]


def _sonata_spikes(folder, label):
    with h5py.File(str(folder / "output" / "spikes.h5")) as f:
        ids = f["spikes/%s/node_ids" % label][()].astype(np.int64)
        t = f["spikes/%s/timestamps" % label][()]
    order = np.lexsort((ids, t))
    return ids[order], t[order]


def _both_formats_by_command(tmp_path, build, labels, duration):
    """Builds, exports to both formats (NeuroML as XML in n/ and in its HDF5
    form in h/), runs; then `ranvier run` on each file: the spikes it writes
    are the reference's, bit for bit (LEMS files hold seconds: repr(t / 1000)
    read back is t / 1000 exactly)."""
    build()
    sim.export(str(tmp_path / "n" / "net.net.nml"), duration=duration)
    sim.export(str(tmp_path / "h" / "net.net.nml.h5"), duration=duration)
    sim.export(str(tmp_path / "s" / "circuit_config.json"), format="sonata", duration=duration)
    sim.run(duration)
    pops = {p.label: p for p in sim.simulator.state.populations}
    ref = {k: spikes_of(pops[k]) for k in labels}
    sim.end()
    assert sum(r[0].size for r in ref.values()) > 100
    for form in ("n", "h"):
        out = _ranvier_run(tmp_path / form / "LEMS_net.xml")
        assert "Hz" in out
        for k in labels:
            ids, seconds = _lems_spikes(tmp_path / form, k, ref[k])
            assert np.array_equal(ids, ref[k][0]), (form, k)
            assert np.array_equal(seconds, ref[k][1] / 1000.0), (form, k)
    _ranvier_run(tmp_path / "s" / "simulation_config.json")
    for k in labels:
        ids, t = _sonata_spikes(tmp_path / "s", k)
        assert np.array_equal(ids, ref[k][0]) and np.array_equal(t, ref[k][1]), k
    return ref


@pytest.mark.parametrize("stdp", [False, True])
def test_vogels_abbott_through_both_formats_by_command(tmp_path, stdp):
    _both_formats_by_command(
        tmp_path, lambda: vogels_abbott(sim, n=200, stdp=stdp, dendritic_delay_fraction=0.0),
        ("E", "I"), 150.0)
    if stdp:      # the learned weights, in process: the same after either file
        vogels_abbott(sim, n=200, stdp=True, dendritic_delay_fraction=0.0)
        sim.run(150.0)
        ref = _weights(sim.simulator.state.projections[0])
        assert ref.std() > 0
        for path in (tmp_path / "n" / "LEMS_net.xml", tmp_path / "h" / "net.net.nml.h5",
                     tmp_path / "s" / "simulation_config.json"):
            built = exchange.load(str(path))
            built.run()
            assert np.array_equal(ref, _weights(built.projections["EE"])), path


def test_potjans_microcircuit_through_both_formats_by_command(tmp_path):
    sys.path.insert(0, str(ROOT / "examples"))
    import potjans2014 as pd

    def build():
        sim.setup(timestep=pd.DT, min_delay=pd.MIN_DELAY)
        pd.build_network(sim, 0.02, 0.02, "poisson", record_v=False, fraction_spikes=1.0)

    _both_formats_by_command(tmp_path, build, pd.POPULATIONS, 200.0)
    # random v_init, and yet one NeuroML population per Population (and background)
    text = (tmp_path / "n" / "net.net.nml").read_text()
    assert text.count("<population ") == 2 * len(pd.POPULATIONS)
    assert text.count('tag="ranvier:v_init"') == len(pd.POPULATIONS)


def test_plastic_lems_types_run_in_jlems(tmp_path):
    """The exported LEMS file with Ranvier's plastic types runs in jNeuroML
    (jLEMS): the STDP synapse sees every post-synaptic spike of its cell, and
    with the same (deterministic) input the spike counts and the mean learned
    weight change are Ranvier's within jLEMS's Euler integration."""
    import shutil
    import xml.etree.ElementTree as ET
    if shutil.which("java") is None or importlib.util.find_spec("pyneuroml") is None:
        pytest.skip("needs java and pyNeuroML's jNeuroML")
    import pyneuroml
    jar = next((pathlib.Path(pyneuroml.__file__).parent / "lib").glob("jNeuroML-*.jar"))
    rng = np.random.default_rng(3)
    times = [np.sort(rng.uniform(0.0, 500.0, 25)).round(1) for _ in range(30)]
    sim.setup(timestep=0.1, min_delay=0.1)
    drive = sim.Population(30, sim.SpikeSourceArray(spike_times=times), label="drive")
    cond = sim.Population(2, sim.IF_cond_exp(tau_refrac=1.0), label="cond")
    curr = sim.Population(2, sim.IF_curr_alpha(tau_syn_E=2.0), label="curr")
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=15.0, tau_minus=25.0, A_plus=0.02,
                                            A_minus=0.025),
        weight_dependence=sim.MultiplicativeWeightDependence(w_min=0.0, w_max=0.03),
        dendritic_delay_fraction=0.0, weight=0.006, delay=1.0)
    ps = sim.Projection(drive, cond, sim.AllToAllConnector(), stdp, label="stdp")
    sim.Projection(drive, curr, sim.AllToAllConnector(), sim.TsodyksMarkramSynapse(
        U=0.3, tau_rec=300.0, tau_facil=50.0, weight=1.5, delay=1.0), label="tm")
    cond.record("spikes")
    curr.record("spikes")
    sim.export(str(tmp_path / "j.net.nml"), duration=500.0)
    sim.run(500.0)
    counts = {p.label: [p.get_spike_counts()[i] for i in p.all_cells] for p in (cond, curr)}
    w = np.array(ps.get("weight", format="list"))
    ranvier_change = w[w[:, 1] == 0, 2].mean() - 0.006
    sim.end()
    lems = tmp_path / "LEMS_j.xml"
    tree = ET.parse(str(lems))
    out = ET.SubElement(tree.getroot().find("Simulation"), "OutputFile", id="w", fileName="w.dat")
    for k in range(30):     # the synapses onto cond[0] (jLEMS numbers them per component)
        ET.SubElement(out, "OutputColumn", id="w%d" % k,
                      quantity="cond/0/IF_cond_exp_cond/synapses:syn_stdp:%d/w" % k)
    ET.SubElement(out, "OutputColumn", id="seen",
                  quantity="cond/0/IF_cond_exp_cond/synapses:syn_stdp:0/post_spikes")
    tree.write(str(lems))
    result = subprocess.run(["java", "-Xmx1G", "-jar", str(jar), str(lems), "-nogui"],
                            cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Finished" in result.stdout, result.stdout[-2000:]
    final = np.loadtxt(str(tmp_path / "w.dat"))[-1, 1:]
    for label in ("cond", "curr"):
        ids = np.loadtxt(str(tmp_path / ("%s.spikes" % label)), ndmin=2)[:, 0]
        got = [int((ids == i).sum()) for i in range(2)]
        assert all(abs(g - r) <= 0.05 * r for g, r in zip(got, counts[label])), (label, got)
        if label == "cond":
            assert final[30] == got[0] > 50          # every post spike seen, once
    jlems_change = final[:30].mean() - 0.006
    assert ranvier_change > 0.001                     # the weights have learned
    assert abs(jlems_change - ranvier_change) < 0.2 * ranvier_change


def _static_network(sim, dt):
    """Deterministic input (spike arrays, onto both receptors) into
    IF_cond_exp cells and IF_curr_alpha cells, which the first excite
    (feed-forward: no loop to amplify two simulators' small differences);
    records spikes."""
    from pyNN.random import NumpyRNG
    rng = np.random.default_rng(5)
    times = [np.sort(rng.uniform(0.0, 300.0, 12)).round(1) for _ in range(40)]
    sim.setup(timestep=dt, min_delay=0.5)
    drive = sim.Population(40, sim.SpikeSourceArray(spike_times=times), label="drive")
    exc = sim.Population(20, sim.IF_cond_exp(tau_refrac=2.0), label="exc")
    inh = sim.Population(5, sim.IF_curr_alpha(tau_syn_E=2.0, tau_refrac=2.0), label="inh")
    r = NumpyRNG(seed=3)
    for pre, post, p, w, d, rec, label in (
            (drive, exc, 0.3, 0.01, 1.0, "excitatory", "dE"),
            (drive, exc, 0.2, 0.01, 0.5, "inhibitory", "dIE"),
            (drive, inh, 0.3, 0.8, 1.0, "excitatory", "dI"),
            (drive, inh, 0.1, -0.5, 2.0, "inhibitory", "dII"),
            (exc, inh, 0.3, 0.6, 1.5, "excitatory", "EI")):
        sim.Projection(pre, post, sim.FixedProbabilityConnector(p, rng=r),
                       sim.StaticSynapse(weight=w, delay=d), receptor_type=rec, label=label)
    exc.record("spikes")
    inh.record("spikes")
    return exc, inh


def test_exported_network_runs_in_neuron(tmp_path):
    """The exported LEMS file, translated to NEURON by jNeuroML (jnml -neuron),
    runs the same network: every cell's first spike at Ranvier's time within
    three steps, and spike counts within 3 % of Ranvier's and of the same
    PyNN script on pyNN.neuron.  (The translation detects a spike a step
    late, which drifts later spikes: 0.01 to 0.03 ms each at dt = 0.01 ms;
    hence the small dt.)"""
    import shutil
    if shutil.which("java") is None or importlib.util.find_spec("pyneuroml") is None:
        pytest.skip("needs java and pyNeuroML's jNeuroML")
    if shutil.which("nrnivmodl", path=os.path.dirname(sys.executable) + os.pathsep
                    + os.environ.get("PATH", "")) is None:
        pytest.skip("needs NEURON's nrnivmodl")
    sys.path.insert(0, str(ROOT / "bench"))
    from jneuroml_neuron import run_neuron
    dt, tstop = 0.01, 300.0
    pops = _static_network(sim, dt)
    sim.export(str(tmp_path / "n.net.nml"), duration=tstop)
    sim.run(tstop)
    ranvier = {p.label: spikes_of(p) for p in pops}
    sim.end()
    ok, output = run_neuron(str(tmp_path / "LEMS_n.xml"))
    assert ok, output[-3000:]
    nrn = pytest.importorskip("pyNN.neuron")
    pops = _static_network(nrn, dt)
    nrn.run(tstop)
    script = {p.label: sum(p.get_spike_counts().values()) for p in pops}
    nrn.end()
    for label, (idx, times) in ranvier.items():
        table = np.loadtxt(str(tmp_path / ("%s.spikes" % label)), ndmin=2)
        ids, seconds = table[:, 0].astype(np.int64), table[:, 1]
        assert idx.size > 50, label
        for i in np.unique(idx):
            mine = seconds[ids == i]
            assert mine.size, (label, i)
            assert abs(mine.min() * 1000.0 - times[idx == i].min()) <= 3 * dt + 1e-9, (label, i)
        print("spikes of %s: Ranvier %d, NEURON from the file %d, pyNN.neuron %d"
              % (label, idx.size, ids.size, script[label]))
        assert abs(ids.size - idx.size) <= 0.03 * idx.size, (label, ids.size, idx.size)
        assert abs(ids.size - script[label]) <= 0.03 * script[label], (label, ids.size, script)
