"""
Exchange of networks with NeuroML 2 (+ LEMS) and SONATA.

    from ranvier import exchange
    exchange.export("out/model.net.nml")                 # the network built in pyNN.ranvier
    exchange.export("out/circuit_config.json", format="sonata")
    model = exchange.read("out/simulation_config.json")  # a Model (model.py)
    net = exchange.build(model)                          # the network, in pyNN.ranvier

`pyNN.ranvier.export` is `export` here.  The command `ranvier run FILE`
(cli.py) reads, builds, runs and writes spikes in the file's own
convention.  Everything goes through one neutral description (model.py):
capture.py reads it from a Ranvier network, builder.py makes a network from
it, and one writer and one reader per format translate it to files.

:copyright: Copyright the Ranvier developers.
"""

import os

from .model import ExchangeError, Model  # noqa: F401

FORMATS = ("neuroml", "sonata")


def guess_format(path):
    """'neuroml' for .nml / .nml.h5 / LEMS .xml files, 'sonata' for .json
    files and folders."""
    name = os.path.basename(str(path)).lower()
    if name.endswith((".nml", ".nml.xml", ".nml.h5", ".nml.hdf5")) or (name.startswith("lems") and name.endswith(".xml")):
        return "neuroml"
    if name.endswith(".json") or os.path.isdir(path) or not os.path.splitext(name)[1]:
        return "sonata"       # a config, or a folder (to be) holding one
    raise ExchangeError("%s: cannot tell the format from the name; give format='neuroml' "
                        "or format='sonata'" % path)


def export(path, format=None, duration=None):
    """Writes the network built so far in pyNN.ranvier to `path`.

    NeuroML 2 (format='neuroml', path ending .nml, or .nml.h5 for the HDF5
    form that large networks need): the network file and a LEMS simulation
    file LEMS_<name>.xml beside it.  SONATA
    (format='sonata', path a circuit_config.json or a directory): nodes and
    edges HDF5 files, node and edge type CSVs, circuit_config.json,
    simulation_config.json, node_sets.json and input spike files.
    `duration` (ms) is the simulated time written into the simulation file;
    default: the time simulated so far.  Anything the format cannot express
    raises ExchangeError naming it; nothing is written then.
    """
    from . import capture
    fmt = format or guess_format(path)
    model = capture.capture(duration)
    return write(model, path, fmt)


def write(model, path, format):
    if format == "neuroml":
        from . import neuroml_write
        return neuroml_write.write(model, path)
    if format == "sonata":
        from . import sonata_write
        return sonata_write.write(model, path)
    raise ExchangeError("unknown format %r (known: %s)" % (format, ", ".join(FORMATS)))


def read(path, format=None, duration=None):
    """A Model from a NeuroML 2 / LEMS file or a SONATA config file;
    `duration` (ms) overrides the file's (a bare .nml or a circuit config
    has none: model.duration is None then)."""
    fmt = format or guess_format(path)
    if fmt == "neuroml":
        from . import neuroml_read
        return neuroml_read.read(path, duration=duration)
    if fmt == "sonata":
        from . import sonata_read
        return sonata_read.read(path, duration=duration)
    raise ExchangeError("unknown format %r (known: %s)" % (fmt, ", ".join(FORMATS)))


def build(model, sim=None, **setup_extra):
    """Builds `model` in pyNN.ranvier (calls setup()), or in another PyNN
    backend module `sim`; returns a Built."""
    from . import builder
    return builder.build(model, sim=sim, **setup_extra)


def load(path, format=None, **setup_extra):
    """read() then build()."""
    return build(read(path, format), **setup_extra)
