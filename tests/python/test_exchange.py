"""
NeuroML 2 and SONATA exchange (ranvier.exchange, docs/exchange.md):
round trips Ranvier -> file -> Ranvier give bit-identical spikes; files
written by other tools (libNeuroML, pyNeuroML, BMTK) import and run as the
same network written as a PyNN script; what a format cannot express and
broken files raise clear errors; the `ranvier` command runs both formats.
"""

import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import pyNN.ranvier as sim
from ranvier import exchange
from ranvier.exchange import ExchangeError

sys.path.insert(0, os.path.dirname(__file__))
from exchange_nets import positions, spikes_of, vogels_abbott  # noqa: E402

h5py = pytest.importorskip("h5py")
needs_neuroml = pytest.mark.skipif(importlib.util.find_spec("neuroml") is None,
                                   reason="libNeuroML is not installed")


def _reference(tmp_path, fmt, name, suffix=".net.nml", **kw):
    """Builds the network, exports it, runs it: (file, {label: spikes})."""
    E, I = vogels_abbott(sim, **kw)
    target = tmp_path / (name + (suffix if fmt == "neuroml" else "/circuit_config.json"))
    out = sim.export(str(target), format=fmt, duration=150.0)
    sim.run(150.0)
    spikes = {p.label: spikes_of(p) for p in (E, I)}
    assert all(s[0].size > 50 for s in spikes.values())
    spikes["v"] = _v(E)
    return out, spikes


def _v(pop):
    """The recorded membrane potential (spike times sit on the time grid, so
    they alone would not show a parameter changed in its last digits)."""
    sig = pop.get_data("v", clear=False).segments[-1].filter(name="v")[0]
    return np.asarray(sig.magnitude), None


def _same(a, built):
    b = built.spikes()
    b["v"] = _v(built.populations["E"])
    assert set(a) == set(b)
    for k in a:
        assert np.array_equal(a[k][0], b[k][0]), k
        assert np.array_equal(a[k][1], b[k][1]), k


@pytest.mark.parametrize("cell", ["IF_cond_exp", "IF_curr_alpha"])
def test_sonata_round_trip_bit_identical(tmp_path, cell):
    path, ref = _reference(tmp_path, "sonata", "va", n=150, cell=cell)
    sim_config = os.path.join(os.path.dirname(path), "simulation_config.json")
    built = exchange.load(sim_config)
    assert built.model.duration == 150.0
    built.run()
    _same(ref, built)
    E = built.populations["E"]
    assert np.array_equal(E.positions, positions(E.size))


def test_sonata_round_trip_with_stdp_bit_identical(tmp_path):
    path, ref = _reference(tmp_path, "sonata", "va", n=150, stdp=True)
    built = exchange.load(os.path.join(os.path.dirname(path), "simulation_config.json"))
    built.run(150.0)
    _same(ref, built)
    ee = built.projections["EE"]
    assert type(ee.synapse_type).__name__ == "STDPMechanism"
    w = np.array(ee.get("weight", format="list", with_address=False))
    assert w.std() > 0                  # the weights have learned
    # and they learned the same
    sim.end()
    vogels_abbott(sim, n=150, stdp=True)
    sim.run(150.0)
    ref_w = np.array(sim.simulator.state.projections[0].get("weight", format="list",
                                                             with_address=False))
    assert np.array_equal(np.sort(ref_w), np.sort(w))


@needs_neuroml
@pytest.mark.parametrize("suffix", [".net.nml", ".net.nml.h5"])
@pytest.mark.parametrize("cell", ["IF_cond_exp", "IF_curr_alpha"])
def test_neuroml_round_trip_bit_identical(tmp_path, cell, suffix, capfd):
    path, ref = _reference(tmp_path, "neuroml", "va", suffix=suffix, n=60, cell=cell)
    for f in (path, str(tmp_path / "LEMS_va.xml")):
        capfd.readouterr()
        built = exchange.load(f)
        assert capfd.readouterr().out == ""      # the library does not print
        built.run(150.0)
        _same(ref, built)
        E = built.populations["E"]      # locations written exactly (not libNeuroML's 15 decimals)
        assert np.array_equal(E.positions, positions(E.size))


def test_sonata_files_follow_the_format(tmp_path):
    vogels_abbott(sim, n=50)
    path = sim.export(str(tmp_path / "c" / "circuit_config.json"), format="sonata",
                      duration=10.0)
    folder = os.path.dirname(path)
    with open(os.path.join(folder, "simulation_config.json")) as f:
        config = json.load(f)
    assert config["run"] == {"tstop": 10.0, "dt": 0.1}
    with h5py.File(os.path.join(folder, "network", "nodes.h5")) as f:
        assert set(f["nodes"]) == {"E", "I", "drive", "kick"}
        assert f["nodes/I/0/dynamics_params/tau_m"].shape == (10,)
    with h5py.File(os.path.join(folder, "network", "edges.h5")) as f:
        g = f["edges/IE"]
        assert g["source_node_id"].attrs["node_population"] == "I"
        assert (g["0/syn_weight"][()] > 0).all()
    with open(os.path.join(folder, "network", "edge_types.csv")) as f:
        assert "inhibitory" in f.read()


@needs_neuroml
def test_exported_neuroml_is_valid(tmp_path):
    vogels_abbott(sim, n=30)
    path = sim.export(str(tmp_path / "va.net.nml"), duration=10.0)
    from neuroml.utils import validate_neuroml2
    validate_neuroml2(path)            # raises when invalid
    if shutil.which("java") is None:
        pytest.skip("no java: pyNeuroML's jNeuroML validation not run")
    pynml = pytest.importorskip("pyneuroml.pynml")
    ok, text = pynml.validate_neuroml2(path, max_memory="512M", return_string=True)
    assert ok, text


@needs_neuroml
def test_libneuroml_reads_the_hdf5_form_as_the_xml(tmp_path):
    """libNeuroML's own HDF5 reader (NeuroMLHdf5Loader, both its modes) finds
    in Ranvier's .nml.h5 the network of Ranvier's .nml: populations, cells,
    positions, and every connection with its weight and delay."""
    vogels_abbott(sim, n=60)
    xml = sim.export(str(tmp_path / "x" / "va.net.nml"), duration=10.0)
    h5 = sim.export(str(tmp_path / "h" / "va.net.nml.h5"), duration=10.0)
    from neuroml.loaders import NeuroMLHdf5Loader, read_neuroml2_file
    want = read_neuroml2_file(xml).networks[0]

    def connections(proj):
        return sorted((c.get_pre_cell_id(), c.get_post_cell_id(), float(c.weight),
                       float(str(c.delay).replace("ms", ""))) for c in proj.connection_wds)

    for optimized in (False, True):
        doc = NeuroMLHdf5Loader.load(h5, optimized=optimized)
        got = doc.networks[0]
        assert doc.get_by_id("IF_cond_exp_E") is not None          # the components
        assert sorted((p.id, p.component, p.size) for p in got.populations) == \
            sorted((p.id, p.component, p.size) for p in want.populations)
        by_id = {p.id: p for p in got.populations}
        for p in want.populations:
            got_xyz = [(float(i.location.x), float(i.location.y), float(i.location.z))
                       for i in by_id[p.id].instances]
            assert got_xyz == [(float(i.location.x), float(i.location.y), float(i.location.z))
                               for i in p.instances], p.id
        if optimized:       # connections as arrays: compare the columns
            for p in want.projections:
                table = {q.id: q for q in got.projections}[p.id].connections
                cols = table.indices
                rows = sorted((int(r[cols["pre_cell_id"]]), int(r[cols["post_cell_id"]]),
                               float(r[cols["weight"]]), float(r[cols["delay"]]))
                              for r in table.array)
                assert rows == connections(p), p.id
        else:
            assert {p.id: connections(p) for p in got.projections} == \
                {p.id: connections(p) for p in want.projections}


@needs_neuroml
def test_an_empty_network_is_refused(tmp_path):
    """(NeuroML's schema wants a population in a network; a SONATA circuit
    without node populations is refused on reading, so it is on writing.)"""
    sim.setup()
    for name in ("x.net.nml", "x.net.nml.h5", "s/circuit_config.json"):
        with pytest.raises(ExchangeError, match="no populations"):
            sim.export(str(tmp_path / name), duration=10.0)
    assert os.listdir(tmp_path) == []


def _libneuroml_network(folder, hdf5=False):
    """A network written with libNeuroML and pyNeuroML alone (no Ranvier), with
    connections listed target by target as PyNN's FromListConnector makes them;
    hdf5: in the HDF5 form, by libNeuroML's NeuroMLHdf5Writer (which stores
    float32: the weights and delays are exact in float32)."""
    from neuroml import (ConnectionWD, ExpCurrSynapse, IF_curr_exp, Input, InputList, Instance,
                         Location, Network, NeuroMLDocument, Population, Projection,
                         PulseGenerator, SpikeSourcePoisson)
    from neuroml.writers import NeuroMLWriter
    doc = NeuroMLDocument(id="foreign")
    doc.IF_curr_exp.append(IF_curr_exp(id="lif", cm="0.25", i_offset="0.0", tau_m="15.0",
                                       tau_refrac="2.0", tau_syn_E="3.0", tau_syn_I="8.0",
                                       v_reset="-70.0", v_rest="-65.0", v_thresh="-52.0",
                                       v_init="-60.0"))
    doc.SpikeSourcePoisson.append(SpikeSourcePoisson(id="noise", start="0ms",
                                                     duration="1000ms", rate="80Hz"))
    doc.exp_curr_synapses.append(ExpCurrSynapse(id="exc", tau_syn="3.0"))
    doc.exp_curr_synapses.append(ExpCurrSynapse(id="inh", tau_syn="8.0"))
    doc.pulse_generators.append(PulseGenerator(id="kick", delay="20ms", duration="30ms",
                                               amplitude="0.4nA"))
    net = Network(id="net")
    doc.networks.append(net)
    net.populations.append(Population(id="cells", component="lif", size=12,
                                      type="populationList", instances=[
                                          Instance(id=i, location=Location(x=i, y=0, z=0))
                                          for i in range(12)]))
    net.populations.append(Population(id="drive", component="noise", size=6,
                                      type="populationList", instances=[
                                          Instance(id=i, location=Location(x=i, y=1, z=0))
                                          for i in range(6)]))
    rng = np.random.default_rng(3)
    lists = {"drive_cells": [], "cells_cells": []}
    for j in range(12):
        for i in range(6):
            if rng.random() < 0.6:
                lists["drive_cells"].append((i, j, 1.5, 1.0))
        for i in range(12):
            if i != j and rng.random() < 0.3:
                lists["cells_cells"].append((i, j, -0.75, 2.0))
    for name, pre, syn in (("drive_cells", "drive", "exc"), ("cells_cells", "cells", "inh")):
        proj = Projection(id=name, presynaptic_population=pre, postsynaptic_population="cells",
                          synapse=syn)
        comp = "noise" if pre == "drive" else "lif"
        proj.connection_wds = [ConnectionWD(id=k, pre_cell_id="../%s/%d/%s" % (pre, i, comp),
                                            post_cell_id="../cells/%d/lif" % j, weight=w,
                                            delay="%gms" % d)
                               for k, (i, j, w, d) in enumerate(lists[name])]
        net.projections.append(proj)
    net.input_lists.append(InputList(id="stim", component="kick", populations="cells", input=[
        Input(id=k, target="../cells/%d/lif" % i, destination="synapses")
        for k, i in enumerate(range(0, 12, 2))]))
    nml = os.path.join(folder, "foreign.net.nml")
    if hdf5:
        from neuroml.writers import NeuroMLHdf5Writer
        nml += ".h5"
        NeuroMLHdf5Writer.write(doc, nml)
    else:
        NeuroMLWriter.write(doc, nml)
    try:
        from pyneuroml.lems import LEMSSimulation
    except ImportError:
        return nml, None, lists
    ls = LEMSSimulation("sim_foreign", 200, 0.1, target="net", simulation_seed=5)
    ls.include_neuroml2_file(nml, include_included=False)
    ls.create_event_output_file("spk", "cells.spikes", format="ID_TIME")
    for i in range(12):
        ls.add_selection_to_event_output_file("spk", i, "cells/%d/lif" % i, "spike")
    lems = ls.save_to_file(file_name=os.path.join(folder, "LEMS_foreign.xml"))
    return nml, lems, lists


@needs_neuroml
@pytest.mark.parametrize("hdf5", [False, True])
def test_libneuroml_network_runs_as_the_same_pynn_script(tmp_path, hdf5):
    nml, lems, lists = _libneuroml_network(str(tmp_path), hdf5)
    if lems is None:
        pytest.skip("pyNeuroML is not installed")
    built = exchange.load(lems)
    model = built.model
    assert model.duration == 200.0 and model.seed == 5
    # (HDF5 groups written by PyTables come back in the order of their names)
    assert [p.receptor_type for p in model.projections] == \
        (["inhibitory", "excitatory"] if hdf5 else ["excitatory", "inhibitory"])
    built.run()
    got = built.spikes()["cells"]
    # the same network as a PyNN script
    sim.setup(timestep=0.1, rng_seed=5)
    cells = sim.Population(12, sim.IF_curr_exp(cm=0.25, tau_m=15.0, tau_refrac=2.0,
                                               tau_syn_E=3.0, tau_syn_I=8.0, v_reset=-70.0,
                                               v_rest=-65.0, v_thresh=-52.0),
                           initial_values={"v": -60.0})
    drive = sim.Population(6, sim.SpikeSourcePoisson(rate=80.0, start=0.0, duration=1000.0))
    sim.Projection(drive, cells, sim.FromListConnector(lists["drive_cells"],
                                                       column_names=["weight", "delay"]),
                   receptor_type="excitatory")
    sim.Projection(cells, cells, sim.FromListConnector(lists["cells_cells"],
                                                       column_names=["weight", "delay"]),
                   receptor_type="inhibitory")
    sim.DCSource(amplitude=0.4, start=20.0, stop=50.0).inject_into(cells[0:12:2])
    cells.record("spikes")
    sim.run(200.0)
    want = spikes_of(cells)
    assert want[0].size > 10
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_bmtk_network_imports_and_runs(tmp_path, monkeypatch):
    bmtk_builder = pytest.importorskip("bmtk.builder")
    monkeypatch.chdir(tmp_path)
    net = bmtk_builder.NetworkBuilder("cortex")
    net.add_nodes(N=10, pop_name="exc", model_type="point_neuron",
                  model_template="nest:iaf_psc_alpha", dynamics_params="exc.json")
    rng = np.random.default_rng(1)
    net.add_edges(source={"pop_name": "exc"}, target={"pop_name": "exc"},
                  connection_rule=lambda s, t: int(rng.random() < 0.3), syn_weight=50.0,
                  delay=1.5, dynamics_params="static.json", model_template="static_synapse")
    net.build()
    net.save(output_dir="network")
    inputs = bmtk_builder.NetworkBuilder("inputs")
    inputs.add_nodes(N=4, model_type="virtual", pop_name="drive")
    inputs.add_edges(target=net.nodes(), connection_rule=1, syn_weight=800.0, delay=1.0,
                     dynamics_params="static.json", model_template="static_synapse")
    inputs.build()
    inputs.save(output_dir="network")
    os.makedirs("components/point_neuron_models")
    os.makedirs("components/synaptic_models")
    with open("components/point_neuron_models/exc.json", "w") as f:
        json.dump({"C_m": 200.0, "tau_m": 12.0, "V_th": -55.0, "E_L": -70.0, "I_e": 100.0}, f)
    with open("components/synaptic_models/static.json", "w") as f:
        json.dump({}, f)
    with h5py.File("input_spikes.h5", "w") as f:
        f.create_dataset("spikes/inputs/timestamps", data=np.array([5.0, 10.0, 10.0, 30.0]))
        f.create_dataset("spikes/inputs/node_ids", data=np.array([0, 1, 2, 3], dtype=np.uint64))
    circuit = {"manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network",
                            "$COMPONENTS_DIR": "$BASE_DIR/components"},
               "components": {"point_neuron_models_dir": "$COMPONENTS_DIR/point_neuron_models",
                              "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models"},
               "networks": {"nodes": [{"nodes_file": "$NETWORK_DIR/%s_nodes.h5" % p,
                                       "node_types_file": "$NETWORK_DIR/%s_node_types.csv" % p}
                                      for p in ("cortex", "inputs")],
                            "edges": [{"edges_file": "$NETWORK_DIR/%s_edges.h5" % e,
                                       "edge_types_file": "$NETWORK_DIR/%s_edge_types.csv" % e}
                                      for e in ("cortex_cortex", "inputs_cortex")]}}
    simulation = {"network": "circuit_config.json", "run": {"tstop": 100.0, "dt": 0.1},
                  "inputs": {"drive": {"input_type": "spikes", "module": "sonata",
                                       "input_file": "input_spikes.h5", "node_set": "inputs"}},
                  "output": {"output_dir": "output", "spikes_file": "spikes.h5"}}
    for name, content in (("circuit_config.json", circuit),
                          ("simulation_config.json", simulation)):
        with open(name, "w") as f:
            json.dump(content, f)
    model = exchange.read("simulation_config.json")
    cortex = model.population("cortex")
    assert cortex.cell_type == "IF_curr_alpha"
    assert np.all(cortex.parameters["cm"] == 0.2) and np.all(cortex.parameters["i_offset"] == 0.1)
    assert np.all(cortex.parameters["tau_refrac"] == 2.0)     # NEST's default
    assert list(cortex.record) == ["spikes"]                   # SONATA: all non-virtual nodes
    ee = next(p for p in model.projections if p.pre == "cortex")
    assert np.all(ee.weight == 0.05) and np.all(ee.delay == 1.5)
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run",
                             "simulation_config.json", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "cortex" in result.stdout
    with h5py.File("output/spikes.h5") as f:
        assert f["spikes/cortex/timestamps"].size > 0
        assert f["spikes/cortex"].attrs["sorting"] == "by_time"


@needs_neuroml
def test_ranvier_command_writes_the_formats_own_output(tmp_path):
    path, ref = _reference(tmp_path, "sonata", "va", n=50)
    folder = os.path.dirname(path)
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run",
                             os.path.join(folder, "simulation_config.json"), "--quiet"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "spikes" in result.stdout and "Hz" in result.stdout
    with h5py.File(os.path.join(folder, "output", "spikes.h5")) as f:
        ids = f["spikes/E/node_ids"][()].astype(np.int64)
        times = f["spikes/E/timestamps"][()]
    assert np.array_equal(ids, ref["E"][0]) and np.array_equal(times, ref["E"][1])
    # NeuroML: LEMS event files, ID_TIME in seconds
    sim.end()
    _, ref = _reference(tmp_path, "neuroml", "nml", n=40)
    lems = str(tmp_path / "LEMS_nml.xml")
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run", lems,
                             "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    table = np.loadtxt(str(tmp_path / "E.spikes"), ndmin=2)
    assert table.shape[0] == ref["E"][0].size
    assert np.allclose(np.sort(table[:, 1]) * 1000.0, np.sort(ref["E"][1]))
    # NeuroML -> SONATA -> the same spikes
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "convert", lems,
                             str(tmp_path / "converted")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    built = exchange.load(str(tmp_path / "converted" / "simulation_config.json"))
    built.run()
    got = built.spikes()["E"]
    assert np.array_equal(got[0], ref["E"][0]) and np.array_equal(got[1], ref["E"][1])


@needs_neuroml
def test_what_a_format_cannot_express_raises(tmp_path):
    vogels_abbott(sim, n=20)
    noise = sim.NoisyCurrentSource(mean=0.1, stdev=0.1)
    noise.inject_into(sim.simulator.state.populations[0])
    with pytest.raises(ExchangeError, match="NoisyCurrentSource"):
        sim.export(str(tmp_path / "x.net.nml"), duration=10.0)
    assert os.listdir(tmp_path) == []                 # nothing half-written
    sim.setup()
    a = sim.Population(2, sim.IF_cond_exp(), label="a")
    stdp = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(),
                             weight_dependence=sim.AdditiveWeightDependence(), weight=0.01)
    sim.Projection(a, a, sim.AllToAllConnector(), stdp, label="plastic")
    for fmt, name in (("neuroml", "y.net.nml"), ("sonata", "s")):
        if fmt == "neuroml":
            with pytest.raises(ExchangeError, match="plastic.*STDPMechanism"):
                sim.export(str(tmp_path / name), format=fmt, duration=10.0)
    sim.Projection(a, a, sim.AllToAllConnector(), sim.SimpleStochasticSynapse(p=0.5),
                   label="stochastic")
    with pytest.raises(ExchangeError, match="stochastic.*SimpleStochasticSynapse"):
        sim.export(str(tmp_path / "s"), format="sonata", duration=10.0)
    with pytest.raises(ExchangeError, match="duration"):
        sim.export(str(tmp_path / "z.net.nml"))
    sim.setup()
    sim.Population(2, sim.IF_cond_exp(), initial_values={"gsyn_exc": 0.01}, label="g")
    with pytest.raises(ExchangeError, match="gsyn_exc"):
        sim.export(str(tmp_path / "g.net.nml"), duration=10.0)


@needs_neuroml
def test_bad_files_name_the_file_and_element(tmp_path):
    bad = tmp_path / "bad.net.nml"
    bad.write_text("<neuroml><population id='p'")
    with pytest.raises(ExchangeError, match="bad.net.nml"):
        exchange.read(str(bad))
    # a synapse whose time constant is not the target cell's
    vogels_abbott(sim, n=20)
    path = sim.export(str(tmp_path / "t.net.nml"), duration=10.0)
    text = open(path).read().replace('tau_syn="10.0"', 'tau_syn="9.0"')
    open(path, "w").write(text)
    with pytest.raises(ExchangeError, match=r"t.net.nml: line \d+: <projection id='IE__0__0'>: "
                                            "synapse 'syn_IE' has tau_syn = 9.0"):
        exchange.read(path)
    # a cell component without a parameter: the component's own line
    lines = pathlib.Path(path).read_text().splitlines()
    k, line = next((k, l) for k, l in enumerate(lines) if "<IF_cond_exp " in l)
    lines[k] = line.replace(' tau_m="20.0"', "")
    pathlib.Path(path).write_text("\n".join(lines))
    with pytest.raises(ExchangeError, match="t.net.nml: line %d: <IF_cond_exp id='IF_cond_exp_E"
                                            "'>: parameter tau_m is missing" % (k + 1)):
        exchange.read(path)
    # SONATA: a missing dataset and an unknown cell template
    vogels_abbott(sim, n=20)
    path = sim.export(str(tmp_path / "s"), format="sonata", duration=10.0)
    etypes = tmp_path / "s" / "network" / "edge_types.csv"
    original = etypes.read_text()
    etypes.write_text(original.replace("inhibitory", "GABA_B", 1))
    with pytest.raises(ExchangeError, match="edges/IE: receptor_type.*GABA_B"):
        exchange.read(path)
    etypes.write_text(original)
    with h5py.File(str(tmp_path / "s" / "network" / "edges.h5"), "a") as f:
        del f["edges/EE/0/delay"]
    with pytest.raises(ExchangeError, match="edges.h5: /edges/EE: delay is missing"):
        exchange.read(path)
    types = tmp_path / "s" / "network" / "node_types.csv"
    types.write_text(types.read_text().replace("pyNN:IF_cond_exp", "nest:hh_psc_alpha", 1))
    with pytest.raises(ExchangeError, match="node_types.csv.*hh_psc_alpha"):
        exchange.read(path)
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run", path],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "hh_psc_alpha" in result.stderr
    assert not os.path.exists(tmp_path / "s" / "output")


@needs_neuroml
def test_bad_hdf5_files_name_the_file_and_group(tmp_path):
    not_hdf5 = tmp_path / "text.net.nml.h5"
    not_hdf5.write_text("<neuroml/>")
    with pytest.raises(ExchangeError, match="text.net.nml.h5: cannot be opened as HDF5"):
        exchange.read(str(not_hdf5))
    with h5py.File(str(tmp_path / "empty.net.nml.h5"), "w"):
        pass
    with pytest.raises(ExchangeError, match="empty.net.nml.h5: no /neuroml group"):
        exchange.read(str(tmp_path / "empty.net.nml.h5"))
    vogels_abbott(sim, n=20)
    path = sim.export(str(tmp_path / "t.net.nml.h5"), duration=10.0)
    table = "neuroml/network/projection_EE/EE"
    with h5py.File(path, "a") as f:
        data = f[table][()]
        cols = {f[table].attrs[k]: int(k[len("column_"):]) for k in f[table].attrs}
        data[0, cols["post_cell_id"]] = 16          # E has 16 cells: 0..15
        f[table][...] = data
    with pytest.raises(ExchangeError, match="projection_EE: a connection's post cell is not "
                                            "in population 'E'"):
        exchange.read(path)
    with h5py.File(path, "a") as f:
        f[table].attrs["column_1"] = "pre_cell"      # no pre_cell_id column any more
    with pytest.raises(ExchangeError, match="projection_EE: no column 'pre_cell_id'"):
        exchange.read(path)
    with h5py.File(path, "a") as f:
        del f["neuroml/network/projection_EE"]
        f["neuroml/network"].attrs["property:ranvier:synapse_components"] = "gone.xml"
    with pytest.raises(ExchangeError, match="t.net.nml.h5.*synapse_components.*gone.xml"):
        exchange.read(path)
    with h5py.File(path, "a") as f:
        del f["neuroml/network"].attrs["property:ranvier:synapse_components"]
        f["neuroml/network/population_E"].attrs["component"] = "nothing"
    with pytest.raises(ExchangeError, match="population_E.*component 'nothing' is not defined"):
        exchange.read(path)
    result = subprocess.run([sys.executable, "-m", "ranvier.exchange.cli", "run", path],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "population_E" in result.stderr


def test_sonata_keeps_the_order_of_populations_and_projections(tmp_path):
    """Populations are built in file order (so neurons keep their global ids
    and random streams): HDF5 lists groups by name unless told otherwise."""
    sim.setup(timestep=0.1, rng_seed=3)
    pops = []
    for label in ("zeta", "alpha", "mid"):
        src = sim.Population(5, sim.SpikeSourcePoisson(rate=200.0), label=label + "_in")
        cells = sim.Population(5, sim.IF_curr_exp(), label=label)
        sim.Projection(src, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=2.0),
                       label="in_" + label)
        cells.record("spikes")
        pops.append(cells)
    path = sim.export(str(tmp_path / "o"), format="sonata", duration=100.0)
    sim.run(100.0)
    ref = {p.label: spikes_of(p) for p in pops}
    model = exchange.read(str(tmp_path / "o" / "simulation_config.json"))
    assert [p.label for p in model.populations] == ["zeta_in", "zeta", "alpha_in", "alpha",
                                                    "mid_in", "mid"]
    assert [p.label for p in model.projections] == ["in_zeta", "in_alpha", "in_mid"]
    built = exchange.build(model)
    built.run()
    got = built.spikes()
    for k in ref:
        assert ref[k][0].size > 0
        assert np.array_equal(ref[k][0], got[k][0]) and np.array_equal(ref[k][1], got[k][1])
    assert path.endswith("circuit_config.json")


CELL_TYPES = {
    "IF_curr_alpha": {}, "IF_curr_exp": {}, "IF_cond_alpha": {}, "IF_cond_exp": {},
    "EIF_cond_exp_isfa_ista": {"a": 2.0, "b": 0.05}, "EIF_cond_alpha_isfa_ista": {"delta_T": 1.5},
    "HH_cond_exp": {"gbar_Na": 18.0},
}


@needs_neuroml
@pytest.mark.parametrize("fmt", ["neuroml", "sonata"])
def test_every_cell_type_round_trips_bit_identical(tmp_path, fmt):
    """Each cell type NeuroML's PyNN library has, with heterogeneous values,
    driven by a spike array and a step current: the same v after the round trip."""
    sim.setup(timestep=0.1, rng_seed=11)
    kick = sim.Population(2, sim.SpikeSourceArray(spike_times=[[3.0, 9.0], [4.5]]), label="kick")
    pops = []
    for name, extra in CELL_TYPES.items():
        celltype = getattr(sim, name)(**extra)
        pop = sim.Population(3, celltype, label=name)
        pop.set(i_offset=np.array([0.0, 0.2, 0.4]) if "HH" not in name else np.array([0, 1, 2.0]))
        pop.initialize(v=np.array([-65.0, -60.0, -58.5]))
        w = 0.02 if "cond" in name else 1.5
        sim.Projection(kick, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=w, delay=0.7))
        pop.record(["spikes", "v"])
        pops.append(pop)
    sim.StepCurrentSource(times=[5.0, 15.0], amplitudes=[0.3, 0.1]).inject_into(pops[0])
    target = tmp_path / ("m.net.nml" if fmt == "neuroml" else "s")
    sim.export(str(target), format=fmt, duration=40.0)
    sim.run(40.0)
    ref = {p.label: _v(p)[0] for p in pops}
    path = str(tmp_path / "LEMS_m.xml") if fmt == "neuroml" else str(
        tmp_path / "s" / "simulation_config.json")
    built = exchange.load(path)
    assert [p.cell_type for p in built.model.populations][1:] == list(CELL_TYPES)
    built.run()
    for label, v in ref.items():
        got = _v(built.populations[label])[0]
        assert np.array_equal(v, got), label
    if fmt == "neuroml":
        from neuroml.utils import validate_neuroml2
        validate_neuroml2(str(tmp_path / "m.net.nml"))


@needs_neuroml
def test_neuroml_refuses_a_split_that_would_explode(tmp_path, monkeypatch):
    from ranvier.exchange import neuroml_write
    monkeypatch.setattr(neuroml_write, "MAX_PROJECTIONS_PER_PROJECTION", 10)
    vogels_abbott(sim, n=50)          # I.tau_m random: one NeuroML population per I cell
    with pytest.raises(ExchangeError, match="export to SONATA"):
        sim.export(str(tmp_path / "x.net.nml"), duration=10.0)
    assert os.listdir(tmp_path) == []


def test_pynn_serialization_reads_ranvier_sonata(tmp_path, monkeypatch):
    """PyNN's own SONATA importer (pyNN.serialization, another reader) finds
    the populations, cell types, per-node parameters, connections, weights,
    delays and receptor types of a file Ranvier wrote."""
    from pyNN.serialization import import_from_sonata
    vogels_abbott(sim, n=50)
    path = sim.export(str(tmp_path / "s"), format="sonata", duration=10.0)
    model = exchange.read(path)
    import pyNN.mock as mock
    mock.setup(timestep=0.1, min_delay=0.2)
    monkeypatch.chdir(tmp_path / "s")     # PyNN resolves the manifest against the cwd
    net = import_from_sonata("circuit_config.json", mock)
    cells = {p.size: p for p in net.populations if type(p.celltype).__name__ == "IF_cond_exp"}
    I = model.population("I")
    assert np.array_equal(np.asarray(cells[I.size].get("tau_m")), I.parameters["tau_m"])
    prj = {p.label.rsplit("-", 1)[0]: p for p in net.projections}
    assert set(prj) == {p.label for p in model.projections}
    ie = next(p for p in model.projections if p.label == "IE")
    assert prj["IE"].receptor_type == "inhibitory"
    got = np.array(prj["IE"].get(["weight", "delay"], format="list"))
    want = np.column_stack([ie.pre_index, ie.post_index, ie.weight, ie.delay])
    assert np.array_equal(got[np.lexsort(got.T[::-1])], want[np.lexsort(want.T[::-1])])


def _damaged_copies(rng, text, count):
    """count copies of an XML text, each with one attribute dropped or given
    a bad value, one line deleted, or one character deleted."""
    attrs = list(re.finditer(r'(\w+)="([^"]*)"', text))
    values = ["abc", "", "-1", "1e400", "nan", "../x", "3.5", "999999"]
    for _ in range(count):
        m = attrs[rng.integers(len(attrs))]
        kind = rng.integers(4)
        if kind == 0:
            yield text[:m.start()] + text[m.end():]
        elif kind == 1:
            yield text[:m.start(2)] + values[rng.integers(len(values))] + text[m.end(2):]
        elif kind == 2:
            lines = text.splitlines()
            del lines[rng.integers(len(lines))]
            yield "\n".join(lines)
        else:
            i = rng.integers(len(text))
            yield text[:i] + text[i + 1:]


def _refused(path, named=True):
    """1 if reading the file raises ExchangeError (naming the file), 0 if it
    reads; any other exception fails the test."""
    try:
        exchange.read(str(path))
    except ExchangeError as err:
        assert not named or str(path) in str(err), err
        return 1
    return 0


@needs_neuroml
def test_damaged_files_raise_exchange_errors(tmp_path):
    """Hundreds of damaged copies of an exported network (XML, its LEMS and
    plastic-synapse files, HDF5): each reads, or raises ExchangeError (naming
    the file), never another exception.  (Before this test, 51 of 400 XML
    copies and 10 of 600 LEMS / synapse-file copies raised TypeError,
    ValueError or AttributeError.)"""
    import warnings
    warnings.simplefilter("ignore")      # (connections that lost their delay: a warning)
    vogels_abbott(sim, n=20, stdp=True, dendritic_delay_fraction=0.0)
    xml = sim.export(str(tmp_path / "x" / "va.net.nml"), duration=10.0)
    h5 = sim.export(str(tmp_path / "h" / "va.net.nml.h5"), duration=10.0)
    rng = np.random.default_rng(1)
    refused = 0
    text = pathlib.Path(xml).read_text()
    for k, damaged in enumerate(_damaged_copies(rng, text, 300)):
        path = tmp_path / "x" / ("d%d.net.nml" % k)
        path.write_text(damaged)
        refused += _refused(path)
        path.unlink()
    assert refused > 60, refused
    # the LEMS simulation and the plastic synapses' components, read through the LEMS file
    refused = 0
    folder = tmp_path / "x"
    for name in ("LEMS_va.xml", "va.synapses.xml"):
        original = (folder / name).read_text()
        for damaged in _damaged_copies(rng, original, 100):
            (folder / name).write_text(damaged)
            refused += _refused(folder / "LEMS_va.xml", named=False)
        (folder / name).write_text(original)
    assert refused > 40, refused
    items = []
    with h5py.File(h5) as f:
        f.visititems(lambda name, obj: items.append((name, isinstance(obj, h5py.Dataset))))
    refused = 0
    for k in range(120):
        path = tmp_path / "h" / ("d%d.net.nml.h5" % k)
        shutil.copy(h5, path)
        name, is_dataset = items[rng.integers(len(items))]
        with h5py.File(str(path), "a") as f:
            obj = f[name]
            kind = rng.integers(4)
            if kind == 0 and len(obj.attrs):
                del obj.attrs[list(obj.attrs)[rng.integers(len(obj.attrs))]]
            elif kind == 1 and len(obj.attrs):
                obj.attrs[list(obj.attrs)[rng.integers(len(obj.attrs))]] = "column_9"
            elif kind == 2:
                del f[name]
            elif is_dataset:
                attrs = dict(obj.attrs)
                parent, leaf = obj.parent, name.rsplit("/", 1)[-1]
                del parent[leaf]
                parent.create_dataset(leaf, data=np.array([b"x", b"y"])).attrs.update(attrs)
        refused += _refused(path)
        path.unlink()
    assert refused > 30, refused


def test_damaged_sonata_files_raise_exchange_errors(tmp_path):
    """The same for SONATA: 150 damaged copies of an exported circuit (one of
    its JSON, CSV or HDF5 files changed) read, or raise ExchangeError naming
    a file of the circuit (37 of 300 raised IndexError, KeyError, TypeError
    or ValueError before)."""
    import glob
    import warnings
    warnings.simplefilter("ignore")
    vogels_abbott(sim, n=20, stdp=True)
    base = tmp_path / "base"
    sim.export(str(base / "circuit_config.json"), format="sonata", duration=10.0)
    files = sorted(os.path.relpath(p, base) for p in glob.glob(str(base / "**" / "*"),
                                                                recursive=True)
                   if os.path.isfile(p))
    rng = np.random.default_rng(2)
    refused = 0
    for k in range(150):
        folder = tmp_path / ("d%d" % k)
        shutil.copytree(base, folder)
        path = folder / files[rng.integers(len(files))]
        if path.suffix == ".h5":
            names = []
            with h5py.File(str(path)) as f:
                f.visititems(lambda name, obj: names.append(name))
            name = names[rng.integers(len(names))]
            with h5py.File(str(path), "a") as f:
                if rng.integers(2) or not isinstance(f[name], h5py.Dataset):
                    del f[name]
                else:
                    del f[name]
                    f.create_dataset(name, data=np.array([b"x", b"y"]))
        else:
            text = path.read_text()
            tokens = text.replace(",", " ").replace(":", " ").split()
            if tokens and rng.integers(2):
                token = tokens[rng.integers(len(tokens))]
                text = text.replace(token, ["abc", "-1", "1e400", '""'][rng.integers(4)], 1)
            else:
                lines = text.splitlines()
                del lines[rng.integers(len(lines))]
                text = "\n".join(lines)
            path.write_text(text)
        try:
            exchange.read(str(folder / "simulation_config.json"))
        except ExchangeError as err:
            refused += 1
            # a file of the circuit, or one that a damaged path in it names
            assert str(folder) in str(err) or re.search(r"\.(json|csv|h5): ", str(err)), err
        shutil.rmtree(folder)
    assert refused > 50, refused
