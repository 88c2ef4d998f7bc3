"""
The HDF5 form of a NeuroML 2 network (<name>.net.nml.h5): the layout of
libNeuroML's NeuroMLHdf5Writer and NeuroMLHdf5Parser (and of
org.neuroml.model's Java reader), written and read with h5py from arrays,
so that a network of millions of connections never becomes millions of
Python objects.

    /neuroml                  id, notes, GENERATED_BY, neuroml_top_level (the
                              document without its network: the cell, synapse
                              and input components, as NeuroML XML)
      /network                id, notes, property:<tag> (network properties)
        /population_<id>      id, component, size, type = populationList,
                              property:ranvier:population
          <id>                rows: instances; columns id, x, y, z
                              [, ranvier:v_init] [, ranvier:index]
        /projection_<id>      id, type = projection, presynapticPopulation,
                              postsynapticPopulation, synapse
          <id>                rows: connections; columns id, pre_cell_id,
                              post_cell_id, weight, delay (ms)
                              [, ranvier:connection]
        /inputList_<id>       id, component, population
          <id>                rows: inputs; columns id, target_cell_id,
                              segment_id, fraction_along [, weight]

A dataset's attributes column_<k> name its columns, which is how every
reader finds them; Ranvier's extra columns (per-neuron v_init, the parts of
split populations and projections: see neuroml_xml.py for their XML form)
are ignored by other readers.  Ranvier writes float64, so weights, delays
and positions read back as the same doubles; libNeuroML writes float32,
which Ranvier reads too.  Groups keep the order they were written in.
Attributes may exceed HDF5's 64 KiB object-header limit (libver v108).

:copyright: Copyright the Ranvier developers.
"""

import numpy as np

from . import neuroml_network as nn
from .neuroml_network import fail


def _h5py():
    try:
        import h5py
    except ImportError:
        from .model import ExchangeError
        raise ExchangeError("the HDF5 form of NeuroML needs h5py (pip install h5py)")
    return h5py


# ---------------------------------------------------------------- writing

def write(doc, net, path, top_level_xml):
    """Writes the Network `net` of the NeuroMLDocument `doc` (its
    components; top_level_xml is doc without networks as NeuroML XML)."""
    import neuroml
    h5py = _h5py()
    with h5py.File(path, "w", libver=("v108", "latest")) as f:
        root = f.create_group("neuroml", track_order=True)
        root.attrs["id"] = doc.id
        root.attrs["notes"] = doc.notes or ""
        root.attrs["GENERATED_BY"] = "Ranvier (libNeuroML v%s layout)" % neuroml.__version__
        root.attrs["neuroml_top_level"] = top_level_xml
        g = root.create_group("network", track_order=True)
        g.attrs["id"] = net.id
        g.attrs["notes"] = ""
        for tag, value in net.properties.items():
            g.attrs["property:" + tag] = value
        for pop in net.populations:
            _write_population(g, pop)
        for prj in net.projections:
            _write_projection(g, prj)
        for il in net.input_lists:
            _write_input_list(g, il)


def _table(group, name, columns):
    """A float64 dataset of the named columns, one attribute column_<k> per
    name, compressed."""
    data = np.column_stack([np.asarray(c, dtype=np.float64) for _, c in columns])
    chunks = (min(max(data.shape[0], 1), 65536), data.shape[1])
    ds = group.create_dataset(name, data=data, chunks=chunks, compression="gzip",
                              compression_opts=1, shuffle=True)
    for k, (col, _) in enumerate(columns):
        ds.attrs["column_%d" % k] = col
    return ds


def _write_population(net_group, pop):
    g = net_group.create_group("population_" + pop.id)
    g.attrs["id"] = pop.id
    g.attrs["component"] = pop.component
    g.attrs["size"] = pop.size
    g.attrs["type"] = "populationList"
    if pop.label is not None:
        g.attrs["property:ranvier:population"] = pop.label
    columns = [("id", np.arange(pop.size))]
    if pop.positions is not None:
        columns += [(c, pop.positions[:, k]) for k, c in enumerate("xyz")]
    if pop.v_init is not None:
        columns.append(("ranvier:v_init", pop.v_init))
    if pop.indices is not None:
        columns.append(("ranvier:index", pop.indices))
    if len(columns) > 1 and pop.size:
        _table(g, pop.id, columns)


def _write_projection(net_group, prj):
    g = net_group.create_group("projection_" + prj.id)
    for key, value in (("id", prj.id), ("type", "projection"),
                       ("presynapticPopulation", prj.pre),
                       ("postsynapticPopulation", prj.post), ("synapse", prj.synapse)):
        g.attrs[key] = value
    n = prj.index.size
    if not n:
        return
    columns = [("id", np.arange(n)), ("pre_cell_id", prj.pre_cell),
               ("post_cell_id", prj.post_cell), ("weight", prj.weight), ("delay", prj.delay)]
    if not np.array_equal(prj.index, np.arange(n)):
        columns.append(("ranvier:connection", prj.index))
    _table(g, prj.id, columns)


def _write_input_list(net_group, il):
    g = net_group.create_group("inputList_" + il.id)
    g.attrs["id"] = il.id
    g.attrs["component"] = il.component
    g.attrs["population"] = il.population
    n = il.cells.size
    if n:
        _table(g, il.id, [("id", np.arange(n)), ("target_cell_id", il.cells),
                          ("segment_id", np.zeros(n)), ("fraction_along", np.full(n, 0.5))])


# ---------------------------------------------------------------- reading

def read(path):
    """(the NeuroMLDocument of the file's components, its
    neuroml_network.Network)."""
    h5py = _h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        fail(path, "cannot be opened as HDF5 (%s)" % err)
    with f:
        if "neuroml" not in f:
            fail(path, "no /neuroml group: not the HDF5 form of NeuroML 2")
        root = f["neuroml"]
        doc = _top_level(root, path)
        nets = [k for k in root if k == "network" or k.startswith("network_")]
        if len(nets) != 1:
            fail(path, "has %d network groups; one is needed" % len(nets))
        g = root[nets[0]]
        where = "%s: %s" % (path, g.name)
        net = nn.Network(id=_text(g, "id", where))
        for key in g.attrs:
            if key.startswith("property:"):
                net.properties[key[len("property:"):]] = _text(g, key, where)
        for name in g:
            sub = g[name]
            sub_where = "%s: %s" % (path, sub.name)
            if name.startswith("population_"):
                net.populations.append(_read_population(sub, sub_where))
            elif name.startswith("projection_"):
                net.projections.append(_read_projection(sub, sub_where))
            elif name.startswith(("inputList_", "input_list_")):
                net.input_lists.append(_read_input_list(sub, sub_where))
            else:
                fail(sub_where, "unknown group or dataset (populations, projections and "
                                "input lists are supported)")
    return doc, net


def _text(node, key, where, default=None):
    if key not in node.attrs:
        if default is not None:
            return default
        fail(where, "attribute %r is missing" % key)
    value = node.attrs[key]
    if isinstance(value, np.ndarray):       # PyTables writes some as arrays of one
        value = value.ravel()[0] if value.size else ""
    if isinstance(value, (bytes, np.bytes_)):
        value = value.decode("utf-8")
    return str(value)


def _top_level(root, path):
    """The document's components, from the embedded XML (parsed quietly:
    libNeuroML's read_neuroml2_string prints the whole document)."""
    import neuroml
    from neuroml.nml.nml import parseString
    xml = _text(root, "neuroml_top_level", path, default="")
    if not xml.strip():
        return neuroml.NeuroMLDocument(id=_text(root, "id", path, default="network"))
    where = "%s: /neuroml: neuroml_top_level" % path
    try:
        doc = parseString(xml, silence=True, print_warnings=False)
    except Exception as err:   # lxml and generateDS raise their own exceptions
        fail(where, "cannot be read as NeuroML 2 (%s)" % err)
    if not isinstance(doc, neuroml.NeuroMLDocument):
        fail(where, "the root element is not <neuroml>")
    from .neuroml_xml import add_includes
    add_includes(doc, path)
    return doc


def _dataset(group, where):
    """The group's one dataset as a float64 array and its column names, or
    (None, {})."""
    import h5py
    sets = [group[k] for k in group if isinstance(group[k], h5py.Dataset)]
    if not sets:
        return None, {}
    if len(sets) > 1 or sets[0].ndim != 2:
        fail(where, "one two-dimensional dataset is expected")
    ds = sets[0]
    columns = {}
    for key in ds.attrs:
        if key.startswith("column_"):
            try:
                k = int(key[len("column_"):])
            except ValueError:
                fail(where, "attribute %r does not name a column" % key)
            if not 0 <= k < ds.shape[1]:
                fail(where, "%s: column %d of a %d-column dataset" % (ds.name, k, ds.shape[1]))
            columns[_text(ds, key, where)] = k
    try:
        data = np.asarray(ds[()], dtype=np.float64)
    except (TypeError, ValueError):
        fail(where, "%s is not numeric" % ds.name)
    return data, columns


def _column(data, columns, name, where, default=None):
    if name in columns:
        return data[:, columns[name]]
    if default is None:
        fail(where, "no column %r" % name)
    return np.full(data.shape[0], default, dtype=np.float64)


def _integers(values, where, name):
    if values.size and (not np.all(np.isfinite(values)) or np.any(values != np.round(values))
                        or np.any(values < 0)):
        fail(where, "column %s holds values that are not cell indices" % name)
    return values.astype(np.int64)


def _size(g, where):
    text = _text(g, "size", where)
    try:
        size = int(text)
    except ValueError:
        fail(where, "size %r is not an integer" % text)
    if size < 0:
        fail(where, "size %d is negative" % size)
    return size


def _read_population(g, where):
    pid = _text(g, "id", where)
    comp = _text(g, "component", where)
    data, columns = _dataset(g, where)
    if data is None:
        return nn.Population(id=pid, component=comp, size=_size(g, where), where=where)
    size = data.shape[0]
    if "size" in g.attrs and _size(g, where) != size:
        fail(where, "size %s, but %d instances" % (_text(g, "size", where), size))
    if "id" in columns and not np.array_equal(data[:, columns["id"]], np.arange(size)):
        fail(where, "instance ids must be 0..%d in order" % (size - 1))
    positions = None
    if all(c in columns for c in "xyz"):
        positions = np.stack([data[:, columns[c]] for c in "xyz"], axis=1)
    elif "id" not in columns and data.shape[1] == 3:      # libNeuroML's unnamed x, y, z
        positions = data.copy()
    pop = nn.Population(id=pid, component=comp, size=size, positions=positions, where=where)
    if "property:ranvier:population" in g.attrs:
        pop.label = _text(g, "property:ranvier:population", where)
    if "ranvier:v_init" in columns:
        pop.v_init = data[:, columns["ranvier:v_init"]].copy()
    if "ranvier:index" in columns:
        pop.indices = _integers(data[:, columns["ranvier:index"]], where, "ranvier:index")
    return pop


def _read_projection(g, where):
    kind = _text(g, "type", where, default="projection")
    if kind != "projection":
        fail(where, "a %s; only (chemical synapse) projections are supported" % kind)
    prj = nn.Projection(id=_text(g, "id", where), pre=_text(g, "presynapticPopulation", where),
                        post=_text(g, "postsynapticPopulation", where),
                        synapse=_text(g, "synapse", where), pre_component=None,
                        post_component=None, index=np.zeros(0, np.int64),
                        pre_cell=np.zeros(0, np.int64), post_cell=np.zeros(0, np.int64),
                        weight=np.zeros(0), delay=np.zeros(0), where=where)
    data, columns = _dataset(g, where)
    if data is None:
        return prj
    n = data.shape[0]
    for name in ("pre_segment_id", "post_segment_id"):
        if name in columns and np.any(data[:, columns[name]] != 0):
            fail(where, "%s other than 0: Ranvier's cells are points" % name)
    prj.pre_cell = _integers(_column(data, columns, "pre_cell_id", where), where, "pre_cell_id")
    prj.post_cell = _integers(_column(data, columns, "post_cell_id", where), where,
                              "post_cell_id")
    prj.weight = _column(data, columns, "weight", where, default=1.0)
    prj.delay = _column(data, columns, "delay", where, default=0.0)
    if "ranvier:connection" in columns:
        prj.index = _integers(data[:, columns["ranvier:connection"]], where,
                              "ranvier:connection")
    else:
        prj.index = np.arange(n, dtype=np.int64)
    return prj


def _read_input_list(g, where):
    il = nn.InputList(id=_text(g, "id", where), component=_text(g, "component", where),
                      population=_text(g, "population", where), population_component=None,
                      cells=np.zeros(0, np.int64), where=where)
    data, columns = _dataset(g, where)
    if data is not None:
        il.cells = _integers(_column(data, columns, "target_cell_id", where), where,
                             "target_cell_id")
        if "weight" in columns:
            il.weight = data[:, columns["weight"]].copy()
    return il
