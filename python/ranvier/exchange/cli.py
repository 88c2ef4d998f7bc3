"""
The `ranvier` command.

    ranvier run FILE [--duration MS] [--output DIR] [--threads N] [--quiet]
    ranvier info FILE
    ranvier convert FILE OUT            (NeuroML <-> SONATA, by OUT's name)

FILE is a NeuroML 2 network (.nml, or .nml.h5 for the HDF5 form), a LEMS
simulation file (LEMS_*.xml) or a SONATA config (simulation_config.json /
circuit_config.json).  `run`
builds the network in Ranvier, simulates it with progress on stderr,
writes the recorded spikes (and membrane reports) in the format's own
convention, and prints a summary.  SONATA: <output_dir>/<spikes_file>
(/spikes/<population>/timestamps, node_ids, in ms) and one report file per
report.  NeuroML/LEMS: the LEMS file's event output files (one line per
spike: 'id time' for ID_TIME, time in seconds) and output files (time and
v in SI units), beside the LEMS file unless --output is given; for a bare
.nml, <population>.spikes for every population.  Output files appear only
once all of them are written.  Exit status 0 on success, 2 on a bad file.
Under `mpirun -np N ranvier run FILE` the N processes share the network
(pyNN.ranvier's MPI partition); the first process prints and writes the
files, which are those of a serial run.

:copyright: Copyright the Ranvier developers.
"""

import argparse
import os
import sys
import time

import numpy as np

from . import ExchangeError, build, guess_format, read, write
from .files import Staging


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ranvier", description="Ranvier: run NeuroML 2 and "
                                     "SONATA networks of point neurons")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="simulate a NeuroML 2 / LEMS / SONATA file")
    p_run.add_argument("file")
    p_run.add_argument("--duration", type=float, help="ms (default: the file's)")
    p_run.add_argument("--output", help="folder for the output files")
    p_run.add_argument("--threads", type=int, default=1)
    p_run.add_argument("--format", choices=("neuroml", "sonata"))
    p_run.add_argument("--quiet", action="store_true", help="no progress")
    p_info = sub.add_parser("info", help="summarise a file")
    p_info.add_argument("file")
    p_conv = sub.add_parser("convert", help="NeuroML 2 <-> SONATA")
    p_conv.add_argument("file")
    p_conv.add_argument("out")
    p_conv.add_argument("--duration", type=float)
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run(args)
        if args.command == "info":
            print(read(args.file).summary())
            return 0
        if args.command == "convert":
            model = read(args.file, duration=args.duration)
            model.name = os.path.splitext(os.path.basename(args.out))[0].split(".")[0] \
                if model.name == "network" else model.name
            if model.duration is None:
                raise ExchangeError("%s: no simulation time in the file: give --duration"
                                    % args.file)
            print("wrote", write(model, args.out, guess_format(args.out)))
            return 0
    except ExchangeError as err:
        print("ranvier: error: %s" % err, file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as err:
        print("ranvier: error: %s: %s" % (type(err).__name__, err), file=sys.stderr)
        return 2


def run(args):
    fmt = args.format or guess_format(args.file)
    t0 = time.perf_counter()
    model = read(args.file, fmt, duration=args.duration)
    if model.duration is None:
        raise ExchangeError("%s: no simulation time in the file (no LEMS simulation or SONATA "
                            "run section): give --duration" % args.file)
    # under mpirun every process runs this; the first one prints and writes
    from pyNN.ranvier import mpi
    comm = mpi.world()
    first = comm is None or comm.Get_rank() == 0
    if first:
        print(model.summary() + (" on %d MPI processes" % comm.Get_size() if comm else ""))
    built = build(model, threads=args.threads)
    t1 = time.perf_counter()
    import pyNN.ranvier as sim
    chunks = 20
    for k in range(1, chunks + 1):
        sim.run_until(model.duration * k / chunks)
        if first and not args.quiet:
            print("\r  %3d %%  t = %g ms" % (100 * k // chunks, sim.get_current_time()),
                  end="", file=sys.stderr, flush=True)
    if first and not args.quiet:
        print(file=sys.stderr)
    t2 = time.perf_counter()
    spikes = built.spikes()
    signals = _recorded_signals(model, built, first)      # (collective under MPI)
    if not first:
        return 0
    if fmt == "sonata":
        files = _write_sonata(model, signals, spikes, args.output)
    else:
        files = _write_lems(model, signals, spikes, args.output, args.file)
    print("built in %.2f s, simulated %g ms in %.2f s" % (t1 - t0, model.duration, t2 - t1))
    for label, (idx, times) in spikes.items():
        n = model.population(label).record["spikes"].size
        rate = idx.size / max(n, 1) / (model.duration / 1000.0)
        print("  %-20s %8d spikes  %8.2f Hz mean over %d cells" % (label, idx.size, rate, n))
    for f in files:
        print("wrote", f)
    return 0


def _recorded_signals(model, built, first):
    """{(label, variable): (times ms, data with one column per recorded cell in
    index order, sampling interval ms)} of every recorded analog variable, on
    the first process (the others take part in gathering them)."""
    out = {}
    for pop in model.populations:
        for variable in pop.record:
            if variable == "spikes":
                continue
            block = built.populations[pop.label].get_data(variable, clear=False)
            if not first:
                continue
            sig = block.segments[-1].filter(name=variable)[0]
            ids = np.asarray(sig.array_annotations["channel_index"] if "channel_index" in
                             sig.array_annotations else np.arange(sig.shape[1]))
            order = np.argsort(ids, kind="stable")
            out[pop.label, variable] = (np.asarray(sig.times.rescale("ms")),
                                        np.asarray(sig.magnitude)[:, order],
                                        float(sig.sampling_period.rescale("ms")))
    return out


def _write_sonata(model, signals, spikes, output):
    from .sonata_write import write_spikes
    import h5py
    info = getattr(model, "sonata_output", None) or {"dir": "output", "spikes_file": "spikes.h5",
                                                     "sort": "time", "reports": []}
    out_dir = output or info["dir"]
    written = []
    with Staging(out_dir) as stage:
        write_spikes(stage.path(info["spikes_file"]), spikes,
                     sort="time" if info["sort"] in ("time", "by_time") else "id")
        written.append(os.path.join(out_dir, info["spikes_file"]))
        for label, variable, file_name in info["reports"]:
            times, data, dt = signals[label, variable]
            indices = model.population(label).record[variable]
            with h5py.File(stage.path(file_name), "w") as f:
                g = f.create_group("report/%s" % label)
                d = g.create_dataset("data", data=data)
                d.attrs["units"] = "mV"
                mp = g.create_group("mapping")
                mp.create_dataset("node_ids", data=np.asarray(indices, dtype=np.uint64))
                mp.create_dataset("element_ids", data=np.zeros(len(indices), dtype=np.uint32))
                mp.create_dataset("index_pointers", data=np.arange(len(indices) + 1,
                                                                   dtype=np.uint64))
                t = mp.create_dataset("time", data=np.array([0.0, model.duration, dt]))
                t.attrs["units"] = "ms"
            written.append(os.path.join(out_dir, file_name))
    return written


def _write_lems(model, signals, spikes, output, source):
    out_dir = output or os.path.dirname(os.path.abspath(source))
    outputs = getattr(model, "lems_outputs", None)
    written = []
    with Staging(out_dir) as stage:
        if outputs is None:      # a bare .nml: every population's spikes
            for label, (idx, times) in spikes.items():
                name = "%s.spikes" % label
                _event_file(stage.path(name), idx, times, "ID_TIME")
                written.append(os.path.join(out_dir, name))
            return written
        for out in outputs:
            if out["kind"] == "events":
                ids, times = [], []
                for eid, (nml_pop, j) in zip(out["ids"], out["cells"]):
                    label, i = model.nml_map[nml_pop][0], int(model.nml_map[nml_pop][1][j])
                    idx, t = spikes.get(label, (np.zeros(0, int), np.zeros(0)))
                    sel = idx == i
                    ids.append(np.full(sel.sum(), eid))
                    times.append(t[sel])
                ids = np.concatenate(ids) if ids else np.zeros(0, int)
                times = np.concatenate(times) if times else np.zeros(0)
                order = np.lexsort((ids, times))
                _event_file(stage.path(out["file"]), ids[order], times[order], out["format"])
            else:
                columns, t_ms = [], None
                for nml_pop, j in out["cells"]:
                    label, i = model.nml_map[nml_pop][0], int(model.nml_map[nml_pop][1][j])
                    t_ms, data, _ = signals[label, "v"]
                    rec = model.population(label).record["v"]
                    columns.append(data[:, int(np.searchsorted(rec, i))])
                table = np.column_stack([t_ms / 1000.0] + [c / 1000.0 for c in columns])
                np.savetxt(stage.path(out["file"]), table, fmt="%.10g", delimiter="\t")
            written.append(os.path.join(out_dir, out["file"]))
    return written


def _event_file(path, ids, times_ms, fmt):
    with open(path, "w") as f:
        for i, t in zip(ids, times_ms):
            s = repr(float(t) / 1000.0)
            f.write("%d\t%s\n" % (i, s) if fmt == "ID_TIME" else "%s\t%d\n" % (s, i))


if __name__ == "__main__":
    sys.exit(main())
