"""
Reads a SONATA circuit (and simulation) of point neurons into a Model.

Accepted: node populations whose types have model_template "pyNN:<cell
type>" (pyNN.serialization and Ranvier write these), virtual nodes (spike
sources: pyNN:SpikeSourcePoisson, or spike arrays fed by "spikes" inputs),
NEST's iaf_psc_alpha / iaf_psc_exp / iaf_cond_alpha / iaf_cond_exp
templates as written by BMTK (parameters converted to PyNN units);
parameters from node-type CSV columns, dynamics_params JSON files and
per-node dynamics_params datasets; edges with syn_weight (times nsyns where
present) and delay from the HDF5 group or the edge-type CSV; inputs of
type "spikes" and "current_clamp"; membrane reports.  Anything else raises
ExchangeError naming the file and the element.

:copyright: Copyright the Ranvier developers.
"""

import contextlib
import csv
import functools
import json
import os
import re

import numpy as np

from . import model as m
from . import nest_names

RESERVED_NODE_COLUMNS = {"node_type_id", "model_type", "model_template", "pop_name",
                         "dynamics_params", "model_processing", "morphology", "ei",
                         "location", "population", "rotation_angle_zaxis"}


def _fail(where, message):
    raise m.ExchangeError("%s: %s" % (where, message))


# What a damaged file (a missing key or dataset, an index out of range, a
# value of the wrong type) makes fail deep in the reading, past the checks.
DAMAGE = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)


@contextlib.contextmanager
def _reading(path):
    """Turns an unexpected error while reading `path` into an ExchangeError
    naming the file, so that no file makes read() raise anything else."""
    try:
        yield
    except m.ExchangeError:
        raise
    except DAMAGE as err:
        _fail(path, "cannot be read (%s: %s)" % (type(err).__name__, err))


def _names_file(argument):
    """Decorator: _reading() the file that `argument` names."""
    def wrap(fn):
        position = fn.__code__.co_varnames[:fn.__code__.co_argcount].index(argument)

        @functools.wraps(fn)
        def reader(*args, **kwargs):
            path = kwargs[argument] if argument in kwargs else args[position]
            with _reading(path):
                return fn(*args, **kwargs)
        return reader
    return wrap


def _load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as err:
        _fail(path, "cannot be read (%s)" % err.strerror)
    except json.JSONDecodeError as err:
        _fail(path, "is not valid JSON (line %d: %s)" % (err.lineno, err.msg))


def _resolver(config, config_path, inherited=None):
    """A function that expands $VARS of the manifest and makes paths absolute."""
    base = os.path.dirname(os.path.abspath(config_path))
    manifest = {"$BASE_DIR": base}
    manifest.update(inherited or {})
    for key, value in config.get("manifest", {}).items():
        manifest[key] = value

    def expand(value, depth=0):
        if depth > 20:
            _fail(config_path, "the manifest refers to itself")
        out = re.sub(r"\$\{?(\w+)\}?",
                     lambda mo: manifest.get("$" + mo.group(1), mo.group(0)), value)
        return expand(out, depth + 1) if out != value and "$" in out else out

    def path(value):
        p = expand(value)
        if "$" in p:
            _fail(config_path, "unknown manifest variable in %r" % value)
        return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))
    return path


@_names_file("path")
def read(path, duration=None):
    path = str(path)
    if os.path.isdir(path):
        for name in ("simulation_config.json", "circuit_config.json", "config.json"):
            if os.path.exists(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            _fail(path, "no simulation_config.json or circuit_config.json in this folder")
    config = _load_json(path)
    resolve = _resolver(config, path)
    simulation, sim_path = None, None
    if "networks" in config:
        circuit, circuit_path = config, path
        if "run" in config:
            simulation, sim_path = config, path
    elif "network" in config:
        simulation, sim_path = config, path
        circuit_path = resolve(config["network"])
        circuit = _load_json(circuit_path)
    else:
        _fail(path, "neither a circuit config ('networks') nor a simulation config "
                    "('network')")
    model = m.Model(name=os.path.splitext(os.path.basename(os.path.dirname(
        os.path.abspath(path))))[0] or "network")
    cresolve = _resolver(circuit, circuit_path)
    components = {k: cresolve(v) for k, v in circuit.get("components", {}).items()
                  if isinstance(v, str)}
    networks = circuit.get("networks", {})
    for entry in networks.get("nodes", []):
        _read_nodes(model, cresolve(entry["nodes_file"]), cresolve(entry["node_types_file"]),
                    components)
    if not model.populations:
        _fail(circuit_path, "no node populations")
    for entry in networks.get("edges", []):
        _read_edges(model, cresolve(entry["edges_file"]), cresolve(entry["edge_types_file"]),
                    components)
    if simulation is not None:
        _read_simulation(model, simulation, sim_path, resolve)
    elif duration is None:
        model.duration = None
    if duration is not None:
        model.duration = float(duration)
    for pop in model.populations:
        if not pop.record and pop.cell_type not in m.SPIKE_SOURCES and \
                not (simulation or {}).get("ranvier"):
            # SONATA's convention: the spikes of every non-virtual node are output
            pop.record["spikes"] = np.arange(pop.size)
    return model


def _h5(path):
    import h5py
    try:
        return h5py.File(path, "r")
    except OSError as err:
        _fail(path, "cannot be opened as HDF5 (%s)" % err)


@_names_file("path")
def _read_types(path, key):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f, delimiter=" ", quotechar='"', skipinitialspace=True))
    except OSError as err:
        _fail(path, "cannot be read (%s)" % err.strerror)
    types = {}
    for line, row in enumerate(rows, start=2):
        row = {k: v for k, v in row.items() if k}
        if key not in row:
            _fail(path, "line %d: no %s column" % (line, key))
        try:
            types[int(row[key])] = row
        except ValueError:
            _fail(path, "line %d: %s %r is not an integer" % (line, key, row[key]))
    return types


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _cell_type(row, where, components):
    template = (row.get("model_template") or "").strip()
    model_type = (row.get("model_type") or "").strip()
    if template.startswith("pyNN:") or template.startswith("pynn:"):
        return template.split(":", 1)[1], None
    if template.startswith("nest:"):
        return nest_names.cell_type(template[5:], where), template[5:]
    if model_type == "virtual" and template in ("", "NONE"):
        return "SpikeSourceArray", None
    _fail(where, "model_template %r (model_type %r) cannot be imported: supported are "
                 "pyNN:<cell type>, nest:iaf_psc_alpha|iaf_psc_exp|iaf_cond_alpha|iaf_cond_exp "
                 "and virtual nodes" % (template, model_type))


def _type_parameters(row, components, where):
    """Parameters a node or edge type gives in its CSV row and its
    dynamics_params JSON file."""
    params = {}
    dyn = (row.get("dynamics_params") or "").strip()
    if dyn and dyn != "NONE":
        candidates = [os.path.join(components[k], dyn) for k in
                      ("point_neuron_models_dir", "synaptic_models_dir") if k in components]
        found = next((c for c in candidates if os.path.exists(c)), None)
        if found is None:
            _fail(where, "dynamics_params file %r not found in the components folders" % dyn)
        for k, v in _load_json(found).items():
            params[k] = v
    return params


@_names_file("nodes_path")
def _read_nodes(model, nodes_path, types_path, components):
    from pyNN import ranvier as sim
    types = _read_types(types_path, "node_type_id")
    with _h5(nodes_path) as f:
        if "nodes" not in f:
            _fail(nodes_path, "no /nodes group")
        for name, g in f["nodes"].items():
            where = "%s: /nodes/%s" % (nodes_path, name)
            for ds in ("node_type_id",):
                if ds not in g:
                    _fail(where, "no %s dataset" % ds)
            type_ids = g["node_type_id"][()].astype(np.int64)
            n = type_ids.size
            if "node_id" in g and not np.array_equal(g["node_id"][()], np.arange(n)):
                _fail(where, "node_id must be 0..n-1 in order")
            group_ids = g["node_group_id"][()] if "node_group_id" in g else np.zeros(n, int)
            group_index = (g["node_group_index"][()] if "node_group_index" in g
                           else np.arange(n))
            unknown = set(np.unique(type_ids).tolist()) - set(types)
            if unknown:
                _fail(where, "node_type_id %s not in %s" % (sorted(unknown), types_path))
            kinds = {tid: _cell_type(types[tid], "%s (node type %d)" % (types_path, tid),
                                     components) for tid in np.unique(type_ids).tolist()}
            cell_types = {k[0] for k in kinds.values()}
            if len(cell_types) != 1:
                _fail(where, "nodes of several cell types (%s) in one population; Ranvier "
                             "needs one cell type per population" % ", ".join(sorted(cell_types)))
            cell_type = cell_types.pop()
            m.check_cell_type(cell_type, where)
            celltype = getattr(sim, cell_type)
            nest_model = next(iter(kinds.values()))[1]
            if len({k[1] for k in kinds.values()}) != 1:
                _fail(where, "nodes of several NEST models in one population")
            params = {k: np.full(n, float(v)) for k, v in celltype.default_parameters.items()
                      if k != "spike_times"}
            init = {k: np.full(n, float(v)) for k, v in celltype.default_initial_values.items()}
            raw = {}        # native (NEST) or PyNN names -> per-node values
            for tid in kinds:
                sel = type_ids == tid
                row = types[tid]
                values = _type_parameters(row, components, "%s (node type %d)"
                                          % (types_path, tid))
                known = (set(celltype.default_parameters) if nest_model is None
                         else set(nest_names.MODELS[nest_model][1]))
                for col, v in row.items():
                    # other columns (BMTK's tuning_angle, ...) are not dynamics
                    if col in known and _number(v) is not None:
                        values.setdefault(col, _number(v))
                for k, v in values.items():
                    raw.setdefault(k, np.full(n, np.nan))[sel] = float(v)
            positions = None
            for gid in np.unique(group_ids).tolist():
                if str(gid) not in g:
                    _fail(where, "node group %s missing" % gid)
                grp = g[str(gid)]
                sel = group_ids == gid
                idx = group_index[sel]
                dyn = grp.get("dynamics_params")
                if dyn is not None:
                    for k in dyn:
                        raw.setdefault(k, np.full(n, np.nan))[sel] = dyn[k][()][idx]
                iv = grp.get("initial_values")
                if iv is not None:
                    for k in iv:
                        if k not in init:
                            _fail(where, "initial value %r is not a state variable of %s"
                                  % (k, cell_type))
                        init[k][sel] = iv[k][()][idx]
                if all(a in grp for a in "xyz"):
                    if positions is None:
                        positions = np.zeros((3, n))
                    for a, axis in enumerate("xyz"):
                        positions[a, sel] = grp[axis][()][idx]
            if nest_model is not None:
                converted, initial = nest_names.parameters(nest_model, raw, n, where)
                raw = converted
                init.update(initial)
            for k, v in raw.items():
                if k not in params:
                    if nest_model is None and k in ("spike_times",):
                        continue
                    _fail(where, "parameter %r is not a parameter of %s (its parameters: %s)"
                          % (k, cell_type, ", ".join(params)))
                have = ~np.isnan(v)
                params[k][have] = v[have]
            if cell_type == "SpikeSourceArray":
                params = {"spike_times": np.array([np.zeros(0)] * n + [None],
                                                  dtype=object)[:-1]}
            desc = m.Population(
                label=name, cell_type=cell_type, size=n, parameters=params,
                initial_values=init if cell_type not in m.SPIKE_SOURCES else {},
                positions=positions)
            desc.nest_model = nest_model
            model.populations.append(desc)


@_names_file("edges_path")
def _read_edges(model, edges_path, types_path, components):
    types = _read_types(types_path, "edge_type_id")
    with _h5(edges_path) as f:
        if "edges" not in f:
            _fail(edges_path, "no /edges group")
        for name, g in f["edges"].items():
            where = "%s: /edges/%s" % (edges_path, name)
            for ds in ("source_node_id", "target_node_id", "edge_type_id"):
                if ds not in g:
                    _fail(where, "no %s dataset" % ds)
            src, tgt = g["source_node_id"], g["target_node_id"]
            pre_name = _attr(src, "node_population", where)
            post_name = _attr(tgt, "node_population", where)
            try:
                pre, post = model.population(pre_name), model.population(post_name)
            except KeyError as err:
                _fail(where, "node population %s is not in the circuit" % err)
            pre_index = src[()].astype(np.int64)
            post_index = tgt[()].astype(np.int64)
            n = pre_index.size
            type_ids = g["edge_type_id"][()].astype(np.int64)
            group_ids = g["edge_group_id"][()] if "edge_group_id" in g else np.zeros(n, int)
            group_index = g["edge_group_index"][()] if "edge_group_index" in g else np.arange(n)
            values = {"syn_weight": np.full(n, np.nan), "delay": np.full(n, np.nan),
                      "nsyns": np.ones(n)}
            receptor = np.empty(n, dtype=object)
            syn_type, parts, syn_params = None, {}, {}
            for tid in np.unique(type_ids).tolist():
                if tid not in types:
                    _fail(where, "edge_type_id %d not in %s" % (tid, types_path))
                row = types[tid]
                twhere = "%s (edge type %d)" % (types_path, tid)
                template = (row.get("model_template") or "").strip()
                if template in ("", "NONE", "static_synapse", "nest:static_synapse"):
                    template = "pyNN:StaticSynapse"
                if not template.startswith("pyNN:") or template[5:] not in m.SYNAPSE_TYPES:
                    _fail(twhere, "synapse model %r cannot be imported (static synapses, or "
                                  "pyNN:<%s>)" % (template, "|".join(m.SYNAPSE_TYPES)))
                if syn_type is not None and syn_type != template[5:]:
                    _fail(where, "edges of several synapse models (%s, %s) in one edge "
                                 "population" % (syn_type, template[5:]))
                syn_type = template[5:]
                for part in m.SYNAPSE_COMPONENTS:
                    if (row.get(part) or "NONE") != "NONE":
                        parts[part] = row[part]
                sel = type_ids == tid
                tv = _type_parameters(row, components, twhere)
                for col in ("syn_weight", "delay", "nsyns"):
                    v = _number(row.get(col))
                    if v is not None:
                        tv.setdefault(col, v)
                for k, v in tv.items():
                    if k in values and _number(v) is not None:
                        values[k][sel] = float(v)
                receptor[sel] = (row.get("receptor_type") or "").strip() or None
            for gid in np.unique(group_ids).tolist():
                if str(gid) not in g:
                    continue
                grp = g[str(gid)]
                sel = group_ids == gid
                idx = group_index[sel]
                for k in ("syn_weight", "delay", "nsyns"):
                    if k in grp:
                        values[k][sel] = grp[k][()][idx]
                if "dynamics_params" in grp:
                    for k in ("syn_weight", "delay"):
                        if k in grp["dynamics_params"]:
                            values[k][sel] = grp["dynamics_params"][k][()][idx]
                    for k in ("weight",):
                        if k in grp["dynamics_params"]:
                            values["syn_weight"][sel] = grp["dynamics_params"][k][()][idx]
                    if syn_type != "StaticSynapse":
                        for k in grp["dynamics_params"]:
                            if k not in ("syn_weight", "delay", "weight"):
                                syn_params.setdefault(k, np.full(n, np.nan))[sel] = \
                                    grp["dynamics_params"][k][()][idx]
            for k, v in syn_params.items():
                if np.isnan(v).any():
                    _fail(where, "synapse parameter %s is missing for some edges" % k)
            for k in ("syn_weight", "delay"):
                if np.isnan(values[k]).any():
                    _fail(where, "%s is missing for %d edges" % (k, np.isnan(values[k]).sum()))
            for side, idx, pop in (("source", pre_index, pre), ("target", post_index, post)):
                if n and (idx.min() < 0 or idx.max() >= pop.size):
                    _fail(where, "%s_node_id out of range 0..%d" % (side, pop.size - 1))
            weight = values["syn_weight"] * values["nsyns"]
            nest_model = _nest_model_of(post)
            if nest_model is not None:
                weight = nest_names.weight(nest_model, weight)
            missing = np.array([r is None for r in receptor])
            inferred = np.where(weight < 0, "inhibitory", "excitatory")
            receptor[missing] = inferred[missing]
            cond = "cond" in post.cell_type
            bad = set(receptor[~np.isin(receptor, ["excitatory", "inhibitory"])])
            if bad:
                _fail(where, "receptor_type %s not supported (excitatory, inhibitory)"
                      % sorted(bad))
            for rec in ("excitatory", "inhibitory"):
                sel = receptor == rec
                if not sel.any():
                    continue
                w = weight[sel]
                if cond and missing[sel].all():
                    w = np.abs(w)     # receptor inferred from the sign (BMTK's convention)
                label = name if sel.all() else "%s_%s" % (name, rec)
                model.projections.append(m.Projection(
                    label=label, pre=pre_name, post=post_name, receptor_type=rec,
                    synapse_type=syn_type, pre_index=pre_index[sel],
                    post_index=post_index[sel], weight=w, delay=values["delay"][sel],
                    synapse_params={k: v[sel] for k, v in syn_params.items()},
                    components=dict(parts)))


def _nest_model_of(pop):
    return getattr(pop, "nest_model", None)


def _attr(ds, name, where):
    if name not in ds.attrs:
        _fail(where, "%s has no attribute %s" % (ds.name, name))
    v = ds.attrs[name]
    return v.decode() if isinstance(v, bytes) else str(v)


@_names_file("path")
def _read_simulation(model, config, path, resolve):
    run = config.get("run", {})
    if "tstop" not in run:
        _fail(path, "run.tstop is missing")
    model.duration = float(run["tstop"]) - float(run.get("tstart", 0.0))
    model.dt = float(run.get("dt", 0.1))
    extra = config.get("ranvier", {})
    model.seed = int(extra.get("seed", model.seed))
    model.min_delay = extra.get("min_delay", "auto")
    model.max_delay = extra.get("max_delay", "auto")
    model.name = extra.get("name", model.name)
    output = config.get("output", {})
    out_dir = resolve(output.get("output_dir", "$BASE_DIR/output"))
    model.sonata_output = {"dir": out_dir,
                           "spikes_file": output.get("spikes_file", "spikes.h5"),
                           "sort": output.get("spikes_sort_order", "time"),
                           "reports": []}
    node_sets = {}
    if "node_sets_file" in config:
        node_sets = _load_json(resolve(config["node_sets_file"]))
    node_sets.update(config.get("node_sets", {}))
    where = path

    def cells(name):
        if name not in node_sets:
            if any(p.label == name for p in model.populations):
                return [(name, np.arange(model.population(name).size))]
            _fail(where, "node set %r is not defined" % name)
        spec = node_sets[name]
        if isinstance(spec, list):
            return [c for part in spec for c in cells(part)]
        if set(spec) - {"population", "node_id"} or "population" not in spec:
            _fail(where, "node set %r: only {population, node_id} and lists of node sets are "
                         "supported" % name)
        pop = spec["population"]
        try:
            size = model.population(pop).size
        except KeyError:
            _fail(where, "node set %r names population %r, which is not in the circuit"
                  % (name, pop))
        idx = np.asarray(spec.get("node_id", np.arange(size)), dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= size):
            _fail(where, "node set %r: node_id out of range 0..%d" % (name, size - 1))
        return [(pop, idx)]

    for key, inp in config.get("inputs", {}).items():
        iwhere = "%s: inputs.%s" % (path, key)
        kind = inp.get("input_type")
        if kind == "spikes":
            _spike_input(model, inp, resolve, cells, iwhere)
        elif kind == "current_clamp":
            model.current_sources.append(_current_input(inp, cells, iwhere))
        else:
            _fail(iwhere, "input_type %r is not supported (spikes, current_clamp)" % kind)
    for name in extra.get("record_spikes", []):
        for pop, idx in cells(name):
            model.population(pop).record["spikes"] = np.sort(idx)
    for key, rep in config.get("reports", {}).items():
        rwhere = "%s: reports.%s" % (path, key)
        if rep.get("module") != "membrane_report":
            _fail(rwhere, "module %r is not supported (membrane_report)" % rep.get("module"))
        var = {"V_m": "v", "v": "v"}.get(rep.get("variable_name"), rep.get("variable_name"))
        for pop, idx in cells(rep.get("cells", "")):
            model.population(pop).record[var] = np.sort(idx)
            model.sonata_output["reports"].append(
                (pop, var, rep.get("file_name", "%s.h5" % key)))


def _spike_input(model, inp, resolve, cells, where):
    import h5py
    fname = resolve(inp["input_file"])
    targets = cells(inp.get("node_set", ""))
    with _h5(fname) as f, _reading(fname):
        for pop_name, idx in targets:
            pop = model.population(pop_name)
            if pop.cell_type != "SpikeSourceArray":
                _fail(where, "spikes for population %r, which is not virtual" % pop_name)
            if "spikes" in f and pop_name in f["spikes"] and isinstance(
                    f["spikes"][pop_name], h5py.Group):
                g = f["spikes"][pop_name]
                ids = g["node_ids"][()].astype(np.int64)
            elif "spikes" in f and "gids" in f["spikes"]:
                g = f["spikes"]
                ids = g["gids"][()].astype(np.int64)
            else:
                _fail(fname, "no /spikes/%s/node_ids or /spikes/gids" % pop_name)
            times = g["timestamps"][()].astype(np.float64)
            order = np.lexsort((times, ids))
            ids, times = ids[order], times[order]
            wanted = set(idx.tolist())
            for i in range(pop.size):
                if i in wanted:
                    lo, hi = np.searchsorted(ids, [i, i + 1])
                    pop.parameters["spike_times"][i] = times[lo:hi].copy()


def _current_input(inp, cells, where):
    params = inp.get("pynn_parameters")
    module = inp.get("module", "")
    if module.startswith("pyNN:"):
        kind = module[5:]
    elif module == "IClamp":
        kind = "DCSource"
    else:
        _fail(where, "current_clamp module %r is not supported (IClamp, pyNN:<source>)"
              % module)
    if kind not in m.CURRENT_SOURCES:
        _fail(where, "current source %s is not supported" % kind)
    if params is None:
        if kind != "DCSource":
            _fail(where, "pynn_parameters are missing")
        try:
            start = float(inp["delay"])
            params = {"amplitude": float(inp["amp"]), "start": start,
                      "stop": start + float(inp["duration"])}
        except KeyError as err:
            _fail(where, "IClamp needs %s" % err)
    params = {k: (np.asarray(v, dtype=np.float64) if isinstance(v, list) else float(v))
              for k, v in params.items()}
    return m.CurrentSource(kind=kind, parameters=params,
                           targets=list(cells(inp.get("node_set", ""))))
