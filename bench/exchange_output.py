"""
Shared by the exchange benchmarks (bench/exchange_va.py,
bench/exchange_potjans.py): the timed export of the network built so far to
each format, and what `ranvier run` wrote, read back.
"""

import time

import numpy as np


def export_all(sim, files, duration):
    """Exports to every {name: path} of files (the format from the path's
    name: .net.nml, .net.nml.h5, circuit_config.json); the seconds each
    took."""
    seconds = {}
    for name, path in files.items():
        t0 = time.perf_counter()
        sim.export(str(path), duration=duration)
        seconds[name] = time.perf_counter() - t0
    return seconds


def command_spikes(fmt, folder, label, ref):
    # fmt: "sonata", or one of the NeuroML forms
    """Whether the spikes `ranvier run` wrote for a population are ref's
    (index and time arrays sorted by time, then index; only the recorded
    cells, which come first).  LEMS event files hold seconds: repr(t / 1000)
    reads back as t / 1000."""
    if fmt == "sonata":
        import h5py
        with h5py.File(str(folder / "output" / "spikes.h5")) as f:
            ids = f["spikes/%s/node_ids" % label][()].astype(np.int64)
            t = f["spikes/%s/timestamps" % label][()]
    else:
        table = np.loadtxt(str(folder / ("%s.spikes" % label)), ndmin=2)
        ids, t = table[:, 0].astype(np.int64), table[:, 1]
    o = np.lexsort((ids, t))
    scale = 1.0 if fmt == "sonata" else 1000.0
    return np.array_equal(ids[o], ref[0]) and np.array_equal(t[o], ref[1] / scale)
