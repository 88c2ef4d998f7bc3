"""
Writes a Model as a SONATA circuit and simulation:

    circuit_config.json  simulation_config.json  node_sets.json
    network/nodes.h5  network/node_types.csv      one node population per Population
    network/edges.h5  network/edge_types.csv      one edge population per Projection
    inputs/<population>_spikes.h5                 spike times of SpikeSourceArrays

Cells are point neurons with model_template "pyNN:<cell type>" (the
convention of pyNN.serialization); every parameter is stored per node in
the group's dynamics_params, initial values per node in the group's
"initial_values" (a Ranvier extension other readers ignore).  Poisson
sources are virtual nodes with their parameters; spike arrays are virtual
nodes fed by a spike input file.  Edges have syn_weight and delay per
edge and the receptor type in edge_types.csv.  Current sources are
current_clamp inputs (IClamp for DCSource) that also carry their exact PyNN
parameters ("pynn_parameters"); recorded variables are reports, and what
has its spikes recorded is listed under "ranvier" in the simulation config.

:copyright: Copyright the Ranvier developers.
"""

import csv
import json
import os

import numpy as np

from . import model as m
from .files import Staging, unique_names

MAGIC = 0x0A7A


def write(model, path):
    path = str(path)
    if path.endswith(".json"):
        directory = os.path.dirname(os.path.abspath(path))
        circuit_name = os.path.basename(path)
        if circuit_name == "simulation_config.json":
            circuit_name = "circuit_config.json"
    else:
        directory, circuit_name = path, "circuit_config.json"
    if not model.populations:
        raise m.ExchangeError("SONATA export: %s: the network has no populations (a circuit "
                              "needs node populations)" % path)
    names = dict(zip((p.label for p in model.populations),
                     unique_names(p.label for p in model.populations)))
    edge_names = unique_names(p.label for p in model.projections)
    for p in model.populations:
        m.check_cell_type(p.cell_type, "population %r" % p.label)
    with Staging(directory) as stage:
        node_sets = {}
        _write_nodes(model, names, stage)
        _write_edges(model, names, edge_names, stage)
        inputs = _inputs(model, names, node_sets, stage)
        reports, record_spikes = _recording(model, names, node_sets)
        circuit = {
            "manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network"},
            "components": {},
            "networks": {
                "nodes": [{"nodes_file": "$NETWORK_DIR/nodes.h5",
                           "node_types_file": "$NETWORK_DIR/node_types.csv"}],
                "edges": ([{"edges_file": "$NETWORK_DIR/edges.h5",
                            "edge_types_file": "$NETWORK_DIR/edge_types.csv"}]
                          if model.projections else []),
            },
        }
        simulation = {
            "manifest": {"$BASE_DIR": ".", "$OUTPUT_DIR": "$BASE_DIR/output"},
            "target_simulator": "ranvier",
            "network": circuit_name,
            "run": {"tstop": model.duration, "dt": model.dt},
            "conditions": {},
            "node_sets_file": "$BASE_DIR/node_sets.json",
            "inputs": inputs,
            "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5",
                       "spikes_sort_order": "time"},
            "reports": reports,
            "ranvier": {"name": model.name, "seed": model.seed, "min_delay": model.min_delay,
                        "max_delay": model.max_delay, "record_spikes": record_spikes},
        }
        with open(stage.path(circuit_name), "w") as f:
            json.dump(circuit, f, indent=2)
        with open(stage.path("simulation_config.json"), "w") as f:
            json.dump(simulation, f, indent=2)
        with open(stage.path("node_sets.json"), "w") as f:
            json.dump(node_sets, f, indent=2)
    return os.path.join(directory, circuit_name)


def _h5():
    try:
        import h5py
    except ImportError:            # pragma: no cover - h5py is a dependency
        raise m.ExchangeError("SONATA needs h5py (pip install h5py)")
    return h5py


def _sonata_h5(h5py, path):
    """A new SONATA HDF5 file, with its magic number and version."""
    f = h5py.File(path, "w")
    f.attrs["magic"] = np.uint32(MAGIC)
    f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
    return f


def _write_nodes(model, names, stage):
    h5py = _h5()
    rows = []
    with _sonata_h5(h5py, stage.path("network/nodes.h5")) as f:
        # creation order kept: populations are built in this order (global ids)
        root = f.create_group("nodes", track_order=True)
        for type_id, pop in enumerate(model.populations):
            name = names[pop.label]
            g = root.create_group(name)
            n = pop.size
            g.create_dataset("node_id", data=np.arange(n, dtype=np.uint64))
            g.create_dataset("node_type_id", data=np.full(n, type_id, dtype=np.uint32))
            g.create_dataset("node_group_id", data=np.zeros(n, dtype=np.uint32))
            g.create_dataset("node_group_index", data=np.arange(n, dtype=np.uint64))
            group = g.create_group("0")
            if pop.positions is not None:
                for axis, values in zip("xyz", pop.positions):
                    group.create_dataset(axis, data=np.asarray(values, dtype=np.float64))
            params = group.create_group("dynamics_params")
            for pname, values in pop.parameters.items():
                if pname == "spike_times":
                    continue         # in the input spike file
                params.create_dataset(pname, data=np.asarray(values, dtype=np.float64))
            init = group.create_group("initial_values")
            for var, values in pop.initial_values.items():
                init.create_dataset(var, data=np.asarray(values, dtype=np.float64))
            virtual = pop.cell_type in m.SPIKE_SOURCES
            rows.append({"node_type_id": type_id,
                         "model_type": "virtual" if virtual else "point_neuron",
                         "model_template": "pyNN:%s" % pop.cell_type,
                         "pop_name": name})
    _write_csv(stage.path("network/node_types.csv"),
               ["node_type_id", "model_type", "model_template", "pop_name"], rows)


def _write_edges(model, names, edge_names, stage):
    if not model.projections:
        return
    h5py = _h5()
    rows = []
    with _sonata_h5(h5py, stage.path("network/edges.h5")) as f:
        root = f.create_group("edges", track_order=True)
        for type_id, (prj, name) in enumerate(zip(model.projections, edge_names)):
            g = root.create_group(name)
            n = prj.pre_index.size
            src = g.create_dataset("source_node_id", data=prj.pre_index.astype(np.uint64))
            src.attrs["node_population"] = names[prj.pre]
            tgt = g.create_dataset("target_node_id", data=prj.post_index.astype(np.uint64))
            tgt.attrs["node_population"] = names[prj.post]
            g.create_dataset("edge_type_id", data=np.full(n, type_id, dtype=np.uint32))
            g.create_dataset("edge_group_id", data=np.zeros(n, dtype=np.uint32))
            g.create_dataset("edge_group_index", data=np.arange(n, dtype=np.uint64))
            group = g.create_group("0")
            group.create_dataset("syn_weight", data=np.asarray(prj.weight, dtype=np.float64))
            group.create_dataset("delay", data=np.asarray(prj.delay, dtype=np.float64))
            if prj.synapse_params:
                dyn = group.create_group("dynamics_params")
                for pname, values in prj.synapse_params.items():
                    dyn.create_dataset(pname, data=np.asarray(values, dtype=np.float64))
            row = {"edge_type_id": type_id, "model_template": "pyNN:%s" % prj.synapse_type,
                   "receptor_type": prj.receptor_type, "edge_pop_name": name}
            for part in m.SYNAPSE_COMPONENTS:
                row[part] = prj.components.get(part, "NONE")
            rows.append(row)
    _write_csv(stage.path("network/edge_types.csv"),
               ["edge_type_id", "model_template", "receptor_type", "edge_pop_name"]
               + list(m.SYNAPSE_COMPONENTS), rows)


def _write_csv(path, columns, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, delimiter=" ", quotechar='"')
        w.writeheader()
        for row in rows:
            w.writerow(row)


def write_spikes(path, spikes_by_population, sort="time"):
    """A SONATA spike file: /spikes/<population>/{timestamps, node_ids}.
    `spikes_by_population`: {name: (node ids, times)}."""
    h5py = _h5()
    with h5py.File(path, "w") as f:
        root = f.create_group("spikes")
        for name, (ids, times) in spikes_by_population.items():
            ids = np.asarray(ids, dtype=np.uint64)
            times = np.asarray(times, dtype=np.float64)
            order = (np.lexsort((ids, times)) if sort == "time"
                     else np.lexsort((times, ids)))
            g = root.create_group(name)
            g.attrs["sorting"] = "by_time" if sort == "time" else "by_id"
            ts = g.create_dataset("timestamps", data=times[order])
            ts.attrs["units"] = "ms"
            g.create_dataset("node_ids", data=ids[order])


def _node_set(node_sets, key, population, indices, size):
    if len(indices) == size and np.array_equal(indices, np.arange(size)):
        node_sets[key] = {"population": population}
    else:
        node_sets[key] = {"population": population,
                          "node_id": [int(i) for i in indices]}
    return key


def _inputs(model, names, node_sets, stage):
    inputs = {}
    for pop in model.populations:
        if pop.cell_type != "SpikeSourceArray":
            continue
        name = names[pop.label]
        times = pop.parameters["spike_times"]
        ids = np.concatenate([np.full(len(t), i, dtype=np.uint64) for i, t in enumerate(times)]
                             + [np.zeros(0, np.uint64)])
        ts = np.concatenate([np.asarray(t, dtype=np.float64) for t in times]
                            + [np.zeros(0)])
        file_name = "inputs/%s_spikes.h5" % name
        write_spikes(stage.path(file_name), {name: (ids, ts)}, sort="id")
        inputs["%s_spikes" % name] = {
            "input_type": "spikes", "module": "sonata", "input_file": "$BASE_DIR/" + file_name,
            "node_set": _node_set(node_sets, name, name, np.arange(pop.size), pop.size)}
    for k, cs in enumerate(model.current_sources):
        parts = []
        for label, indices in cs.targets:
            pop = model.population(label)
            parts.append(_node_set(node_sets, "current_%d_%s" % (k, names[label]),
                                   names[label], np.asarray(indices), pop.size))
        node_sets["current_%d" % k] = parts
        params = {key: (np.asarray(v).tolist() if np.ndim(v) else float(v))
                  for key, v in cs.parameters.items()}
        entry = {"input_type": "current_clamp", "node_set": "current_%d" % k,
                 "pynn_parameters": params}
        if cs.kind == "DCSource":
            entry.update(module="IClamp", amp=params["amplitude"], delay=params["start"],
                         duration=params["stop"] - params["start"])
        else:
            entry["module"] = "pyNN:%s" % cs.kind
        inputs["current_%d" % k] = entry
    return inputs


def _recording(model, names, node_sets):
    reports, record_spikes = {}, []
    for pop in model.populations:
        name = names[pop.label]
        for variable, indices in pop.record.items():
            key = _node_set(node_sets, "record_%s_%s" % (variable, name), name,
                            np.asarray(indices), pop.size)
            if variable == "spikes":
                record_spikes.append(key)
            else:
                reports["%s_%s" % (name, variable)] = {
                    "cells": key, "variable_name": variable, "module": "membrane_report",
                    "sections": "soma", "file_name": "%s_%s.h5" % (name, variable)}
    return reports, record_spikes
