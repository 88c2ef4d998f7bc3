"""
The XML form of a NeuroML document (.nml): its components through
libNeuroML, its <network> (neuroml_network.Network) written as text from
the arrays and read back into arrays by lxml's iterparse, without a
libNeuroML object per connection.

Ranvier's per-neuron additions are population properties: ranvier:v_init
(each instance's initial v), ranvier:population and ranvier:indices (the
Population a split part belongs to, and its instances' indices in it), as
space-separated numbers.  A connection's id is its index in the Ranvier
Projection, so the parts of a split projection join up in order.

:copyright: Copyright the Ranvier developers.
"""

import contextlib
from array import array
from xml.sax.saxutils import quoteattr

import numpy as np

from . import neuroml_network as nn
from .neuroml_network import fail, quantity


def fmt(x):
    """A float written so that reading it back gives the same double."""
    return repr(float(x))


@contextlib.contextmanager
def exact_floats():
    """libNeuroML writes float attributes (here only the components': this
    module writes the network's) with 15 decimal places, which turns
    0.0075616060189154 into 0.007561606018915 and 1e-20 into 0; while
    writing, they are written with repr, which reads back as the same
    double."""
    from neuroml.nml import nml
    cls = nml.GeneratedsSuper
    saved = cls.gds_format_float
    cls.gds_format_float = lambda self, value, input_name="": repr(float(value))
    try:
        yield
    finally:
        cls.gds_format_float = saved


# ---------------------------------------------------------------- writing
#
# libNeuroML writes the components; the network is written here as text,
# straight from the arrays (a network of millions of connections as
# libNeuroML objects took most of a minute and gigabytes to write).

def components_xml(doc):
    """The NeuroMLDocument doc, without networks, as NeuroML XML."""
    import io
    from neuroml.writers import NeuroMLWriter
    saved, doc.networks = doc.networks, []
    try:
        out = io.StringIO()
        with exact_floats():
            NeuroMLWriter.write(doc, out, close=False)
        return out.getvalue()
    finally:
        doc.networks = saved


def write(doc, net, f):
    """Writes to the text file f the document of doc's components and the
    network `net`."""
    # (doc has components: a network has a population, and each its component)
    head, tail = components_xml(doc).rstrip().rsplit("</neuroml>", 1)
    f.write(head)
    f.write("    <network id=%s>\n" % quoteattr(net.id))
    for tag, value in net.properties.items():
        f.write("        <property tag=%s value=%s/>\n" % (quoteattr(tag), quoteattr(value)))
    for pop in net.populations:
        _write_population(f, pop)
    for prj in net.projections:
        _write_projection(f, prj)
    for il in net.input_lists:
        _write_input_list(f, il)
    f.write("    </network>\n</neuroml>" + tail + "\n")


def _write_population(f, pop):
    f.write('        <population id=%s component=%s size="%d" type="populationList">\n'
            % (quoteattr(pop.id), quoteattr(pop.component), pop.size))
    props = []
    if pop.v_init is not None:
        props.append(("ranvier:v_init", " ".join(fmt(v) for v in pop.v_init)))
    if pop.label is not None:
        props.append(("ranvier:population", pop.label))
    if pop.indices is not None:
        props.append(("ranvier:indices", " ".join(str(int(i)) for i in pop.indices)))
    for tag, value in props:
        f.write("            <property tag=%s value=%s/>\n" % (quoteattr(tag), quoteattr(value)))
    if pop.positions is None:
        f.writelines('            <instance id="%d"/>\n' % j for j in range(pop.size))
    else:
        f.writelines('            <instance id="%d">\n                <location x="%r" y="%r" '
                     'z="%r"/>\n            </instance>\n' % (j, x, y, z)
                     for j, (x, y, z) in enumerate(pop.positions.tolist()))
    f.write("        </population>\n")


def _write_projection(f, prj):
    f.write("        <projection id=%s presynapticPopulation=%s postsynapticPopulation=%s "
            "synapse=%s>\n" % tuple(quoteattr(x) for x in (prj.id, prj.pre, prj.post,
                                                             prj.synapse)))
    line = ('            <connectionWD id="%%d" preCellId="../%s/%%d/%s" '
            'postCellId="../%s/%%d/%s" weight="%%r" delay="%%rms"/>\n'
            % (prj.pre, prj.pre_component, prj.post, prj.post_component))
    f.writelines(line % row for row in zip(prj.index.tolist(), prj.pre_cell.tolist(),
                                           prj.post_cell.tolist(), prj.weight.tolist(),
                                           prj.delay.tolist()))
    f.write("        </projection>\n")


def _write_input_list(f, il):
    f.write("        <inputList id=%s population=%s component=%s>\n"
            % (quoteattr(il.id), quoteattr(il.population), quoteattr(il.component)))
    line = ('            <input id="%%d" target="../%s/%%d/%s" destination="synapses"/>\n'
            % (il.population, il.population_component))
    f.writelines(line % (j, c) for j, c in enumerate(il.cells.tolist()))
    f.write("        </inputList>\n")


# ---------------------------------------------------------------- reading
#
# The file is read in one pass with lxml's iterparse: the <network> goes
# straight into arrays, element by element, each dropped once read (a
# network of millions of connections as libNeuroML objects took 8 GB and
# minutes); the other top-level elements, the components, are small and are
# handed to libNeuroML.

NETWORK_PARTS = ("population", "projection", "inputList", "property", "notes", "annotation")


def read(path):
    """(the NeuroMLDocument of the file's components, its
    neuroml_network.Network)."""
    try:
        from lxml import etree
    except ImportError:
        from .model import ExchangeError
        raise ExchangeError("NeuroML import needs lxml (a dependency of libNeuroML)")
    reader = _Reader(path)
    try:
        with open(path, "rb") as f:
            for event, el in etree.iterparse(f, events=("start", "end"), huge_tree=True,
                                             remove_comments=True):
                (reader.start if event == "start" else reader.end)(el)
    except etree.XMLSyntaxError as err:
        fail(path, "is not well-formed XML (line %d: %s)" % (err.lineno, err.msg))
    except OSError as err:
        fail(path, "cannot be read (%s)" % err.strerror)
    return reader.document(), reader.network()


def _name(el):
    return el.tag.rsplit("}", 1)[-1]


class _Reader:
    """The iterparse events of a NeuroML file, by depth: 0 <neuroml>,
    1 components and <network>, 2 the network's parts, 3 their connections,
    instances, inputs and properties, 4 an instance's location."""

    def __init__(self, path):
        self.path = path
        self.depth = -1
        self.components = []        # serialised top-level elements other than <network>
        self.lines = {}             # component id -> (tag, line)
        self.networks = []
        self.part = None            # the network part being read

    def where(self, el):
        return nn.Where(self.path, _name(el), el.get("id"), el.sourceline)

    def start(self, el):
        self.depth += 1
        if self.depth == 0:
            if _name(el) != "neuroml":
                fail(self.path, "the root element is <%s>, not <neuroml>" % _name(el))
            self.root_id = el.get("id") or "network"
        elif self.depth == 1 and _name(el) == "network":
            self.networks.append(nn.Network(id=el.get("id")))
            self.in_network = True
        elif self.depth == 2 and self.in_network:
            self.part = _part(_name(el), el, self.where(el))

    in_network = False

    def end(self, el):
        depth, self.depth = self.depth, self.depth - 1
        if depth == 1:
            if self.in_network:
                self.in_network = False
            else:
                from lxml import etree
                self.components.append(etree.tostring(el, encoding="unicode"))
                if el.get("id") is not None:
                    self.lines[el.get("id")] = (_name(el), el.sourceline)
            _drop(el)
        elif depth == 2 and self.in_network:
            net = self.networks[-1]
            name = _name(el)
            if name == "property":
                net.properties[el.get("tag")] = el.get("value") or ""
            elif self.part is not None:
                getattr(net, {"population": "populations", "projection": "projections",
                              "inputList": "input_lists"}[name]).append(self.part.finish())
            elif name not in NETWORK_PARTS:
                fail(self.where(el), "<%s> in a network is not supported (populations, "
                                     "projections and input lists are)" % name)
            self.part = None
            _drop(el)
        elif depth == 3 and self.part is not None:
            self.part.child(el)
            _drop(el)

    def document(self):
        import neuroml
        from neuroml.nml.nml import parseString
        xml = ('<neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id=%s>%s</neuroml>'
               % (quoteattr(self.root_id), "".join(self.components)))
        try:
            doc = parseString(xml, silence=True, print_warnings=False)
        except Exception as err:   # generateDS raises its own exceptions
            fail(self.path, "cannot be read as NeuroML 2 (%s)" % err)
        if not isinstance(doc, neuroml.NeuroMLDocument):
            fail(self.path, "cannot be read as NeuroML 2")
        add_includes(doc, self.path)
        return doc

    def network(self):
        if len(self.networks) != 1:
            fail(self.path, "has %d <network> elements; one is needed" % len(self.networks))
        net = self.networks[0]
        net.component_lines = self.lines
        return net


def _drop(el):
    """Frees an element that has been read (and the siblings before it)."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def add_includes(doc, path):
    """Adds to doc the components of the files its <include>s name (relative
    to the folder of `path`)."""
    import os
    from neuroml.loaders import read_neuroml2_file
    from neuroml.utils import add_all_to_document
    for inc in list(doc.includes):
        inc_path = os.path.join(os.path.dirname(os.path.abspath(path)), inc.href)
        try:
            add_all_to_document(read_neuroml2_file(inc_path, include_includes=True), doc)
        except Exception as err:   # libNeuroML raises bare Exceptions on bad files
            fail(path, "included file %s cannot be read as NeuroML 2 (%s)" % (inc.href, err))


def _part(name, el, where):
    kind = {"population": _PopulationPart, "projection": _ProjectionPart,
            "inputList": _InputListPart}.get(name)
    return kind(el, where) if kind else None


def _cell_id(text, where, what):
    """The cell index in a NeuroML cell path: ../pop/3/comp, ../pop[3] or 3."""
    try:
        if "[" in text:
            return int(text.split("[", 1)[1].split("]", 1)[0])
        return int(text.split("/")[2]) if "/" in text else int(text)
    except (ValueError, IndexError, AttributeError, TypeError):
        fail(where, "%s %r is not a cell path" % (what, text))


def _float(el, name, where, default=None):
    text = el.get(name)
    if text is None:
        if default is None:
            fail(where, "<%s> lacks %s" % (_name(el), name))
        return default
    try:
        return float(text)
    except ValueError:
        fail(where, "<%s %s=%r>: not a number" % (_name(el), name, text))


class _PopulationPart:
    def __init__(self, el, where):
        self.el_id, self.component, self.size = el.get("id"), el.get("component"), el.get("size")
        self.where = where
        self.ids, self.xyz, self.props = [], [], {}

    def child(self, el):
        name = _name(el)
        if name == "property":
            self.props[el.get("tag")] = el.get("value") or ""
        elif name == "instance":
            self.ids.append(el.get("id"))
            loc = next((c for c in el if _name(c) == "location"), None)
            self.xyz.append(None if loc is None else
                            tuple(_float(loc, c, self.where) for c in "xyz"))

    def finish(self):
        where, ids = self.where, self.ids
        if ids:
            size = len(ids)
            if ids != [str(i) for i in range(size)] and _integers(ids) != list(range(size)):
                fail(where, "instance ids must be 0..%d in order" % (size - 1))
        else:
            try:
                size = int(self.size)
            except (TypeError, ValueError):
                fail(where, "size %r is not an integer" % self.size)
        positions = None
        if ids and all(p is not None for p in self.xyz):
            positions = np.array(self.xyz, dtype=np.float64)
        out = nn.Population(id=self.el_id, component=self.component, size=size,
                            positions=positions, where=where,
                            label=self.props.get("ranvier:population"))
        if "ranvier:v_init" in self.props:
            out.v_init = _numbers(self.props["ranvier:v_init"], float, size, where,
                                  "ranvier:v_init")
        if "ranvier:indices" in self.props:
            out.indices = _numbers(self.props["ranvier:indices"], int, size, where,
                                   "ranvier:indices")
        return out


def _integers(texts):
    """The integers of texts, None where one is not an integer."""
    out = []
    for t in texts:
        try:
            out.append(int(t))
        except (TypeError, ValueError):
            out.append(None)
    return out


def _numbers(text, dtype, count, where, tag):
    try:
        values = np.array([dtype(x) for x in text.split()], dtype=dtype)
    except ValueError:
        fail(where, "%s is not a list of numbers" % tag)
    if values.size != count:
        fail(where, "%s lists %d values, the population has %d cells" % (tag, values.size,
                                                                          count))
    return values


class _ProjectionPart:
    def __init__(self, el, where):
        self.attrs = {k: el.get(k) for k in ("id", "presynapticPopulation",
                                             "postsynapticPopulation", "synapse")}
        self.where = where
        self.index, self.pre, self.post = array("q"), array("q"), array("q")
        self.weight, self.delay = array("d"), array("d")

    def child(self, el):
        name = _name(el)
        if name not in ("connection", "connectionWD"):
            if name not in ("notes", "annotation", "property"):
                fail(self.where, "<%s> in a projection is not supported (connection and "
                                 "connectionWD are)" % name)
            return
        where = self.where
        try:
            self.index.append(int(el.get("id")))
        except (TypeError, ValueError):
            fail(where, "<%s id=%r>: the id is not an integer" % (name, el.get("id")))
        self.pre.append(_cell_id(el.get("preCellId"), where, "preCellId"))
        self.post.append(_cell_id(el.get("postCellId"), where, "postCellId"))
        self.weight.append(_float(el, "weight", where, 1.0))    # <connection> has none: 1
        delay = el.get("delay")
        self.delay.append(quantity(delay, where) if delay is not None else 0.0)

    def finish(self):
        a = self.attrs
        for key in ("id", "presynapticPopulation", "postsynapticPopulation", "synapse"):
            if a[key] is None:
                fail(self.where, "<projection> lacks %s" % key)
        return nn.Projection(id=a["id"], pre=a["presynapticPopulation"],
                             post=a["postsynapticPopulation"], synapse=a["synapse"],
                             pre_component=None, post_component=None,
                             index=np.frombuffer(self.index, dtype=np.int64).copy(),
                             pre_cell=np.frombuffer(self.pre, dtype=np.int64).copy(),
                             post_cell=np.frombuffer(self.post, dtype=np.int64).copy(),
                             weight=np.frombuffer(self.weight, dtype=np.float64).copy(),
                             delay=np.frombuffer(self.delay, dtype=np.float64).copy(),
                             where=self.where)


class _InputListPart:
    def __init__(self, el, where):
        self.attrs = {k: el.get(k) for k in ("id", "component", "population")}
        self.where = where
        self.cells, self.weights, self.weighted = [], [], False

    def child(self, el):
        name = _name(el)
        if name not in ("input", "inputW"):
            return
        destination = el.get("destination") or "synapses"
        if destination != "synapses":
            fail(self.where, "input %s: destination %r" % (el.get("id"), destination))
        self.cells.append(_cell_id(el.get("target"), self.where, "target"))
        self.weighted |= name == "inputW"
        self.weights.append(_float(el, "weight", self.where, 1.0) if name == "inputW" else 1.0)

    def finish(self):
        a = self.attrs
        return nn.InputList(id=a["id"], component=a["component"], population=a["population"],
                            population_component=None,
                            cells=np.array(self.cells, dtype=np.int64),
                            weight=np.array(self.weights) if self.weighted else None,
                            where=self.where)
