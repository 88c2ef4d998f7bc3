"""
pyNN.ranvier under mpirun: one result, whatever the partition.

The network of mpi/network.py (every kind of randomness and plasticity) is
run alone with 1, 2 and 4 threads and under `mpirun -np 2` and `-np 4` with
1, 2 and 4 threads each; spikes, membrane traces, spike counts, learned
weights and gathered parameters must be bit for bit those of one process
with one thread, and the files PyNN writes (write_data, Projection.save)
must be the same.  mpi/failures.py checks that a failure on one process
ends or fails every process, never hangs.  The Vogels-Abbott example runs
distributed with the rates of the serial run.

Skipped, with the reason, where MPI is absent (no mpirun, mpi4py, or a
Ranvier built without MPI).
"""

import os
import pickle
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "python", "mpi")
PYTHON = sys.executable
TIMEOUT = 300


def _missing():
    from ranvier import _core
    if not getattr(_core, "HAVE_MPI", 0):
        return "Ranvier was built without MPI"
    if shutil.which("mpirun") is None:
        return "mpirun not found (Debian: openmpi-bin)"
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason="MPI absent: %s" % _missing())


def _env():
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.path.dirname(PYTHON) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    # 2 cores shared by up to 4 processes x 4 threads: waiting threads sleep
    env["OMP_WAIT_POLICY"] = "passive"
    return env


def _run(args, processes, cwd, check=True, timeout=TIMEOUT):
    cmd = [PYTHON] + args
    if processes > 1:
        # as root Open MPI needs --allow-run-as-root; --oversubscribe runs
        # more processes than cores
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(processes)] + cmd
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    output = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, "%s exited with %d:\n%s" % (" ".join(cmd), proc.returncode,
                                                                output[-4000:])
    return proc.returncode, output


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("mpi") / "reference.npz")
    _run([os.path.join(HERE, "network.py"), path, "1"], 1, os.path.dirname(path))
    return path


def test_reference_is_active(reference):
    r = np.load(reference)
    for name in ("E", "I", "Izh", "bg", "arr", "gamma"):
        assert r["spikes_" + name].shape[0] > 20, name
    w = r["stdp_weights"]
    assert np.nanmax(w) > 0.01   # potentiated beyond the initial range [0.001, 0.01]
    assert r["tau_m"].shape == (3,) and len(set(r["tau_m"].tolist())) == 3


@pytest.mark.parametrize("processes,threads", [(1, 2), (1, 4), (2, 1), (2, 2), (2, 4),
                                               (4, 1), (4, 2), (4, 4)])
def test_same_results_whatever_the_partition(reference, tmp_path, processes, threads):
    path = str(tmp_path / "run.npz")
    _run([os.path.join(HERE, "network.py"), path, str(threads)], processes, str(tmp_path))
    ref, got = np.load(reference), np.load(path)
    assert int(got["processes"]) == processes
    assert sorted(ref.files) == sorted(got.files)
    for key in ref.files:
        if key == "processes":
            continue
        assert ref[key].shape == got[key].shape, key
        assert np.array_equal(ref[key], got[key], equal_nan=True), key
    # the files PyNN wrote: once, complete, the same (a gathered connection
    # list comes in process order, as on pyNN.nest: compared as a set)
    with open(reference + ".stdp.txt") as f:
        ref_lines = sorted(line for line in f if not line.startswith("#"))
    with open(path + ".stdp.txt") as f:
        got_lines = sorted(line for line in f if not line.startswith("#"))
    assert got_lines == ref_lines and len(ref_lines) > 100
    for p in (reference, path):
        assert not os.path.exists(p + ".exc.pkl.1")   # no per-process files
    with open(reference + ".exc.pkl", "rb") as f:
        ref_block = pickle.load(f)
    with open(path + ".exc.pkl", "rb") as f:
        got_block = pickle.load(f)
    ref_trains = ref_block.segments[0].spiketrains
    got_trains = got_block.segments[0].spiketrains
    assert len(got_trains) == len(ref_trains) == 90
    for a, b in zip(ref_trains, got_trains):
        assert np.array_equal(a.magnitude, b.magnitude)


def test_failure_found_by_one_process_fails_all(tmp_path):
    rc, output = _run([os.path.join(HERE, "failures.py"), "agreed"], 3, str(tmp_path))
    for rank in range(3):
        assert "rank %d caught:" % rank in output
        assert "rank %d ran on to 10 ms" % rank in output
    # the others name the process that found it
    assert output.count("process 2: rv_sim_run_until: Izhikevich population 0, neuron 11") == 2


def test_uncaught_exception_on_one_process_ends_the_job(tmp_path):
    rc, output = _run([os.path.join(HERE, "failures.py"), "uncaught"], 3, str(tmp_path),
                      check=False)
    assert rc != 0
    assert "[rank 1] RuntimeError: a failure on rank 1 alone" in output
    assert "should not get here" not in output


def test_uneven_processes_make_the_same_calls(tmp_path):
    # rank 0's kernel calls are slower: without agreeing on the length of
    # the next call the processes ran to different times and hung
    rc, output = _run([os.path.join(HERE, "failures.py"), "uneven"], 2, str(tmp_path),
                      timeout=60)
    # (the processes' lines may come interleaved)
    reports = dict(re.findall(r"rank (\d) ran to (200 ms: \d+ spikes, calls to \[[^\]]*\])",
                              output))
    assert sorted(reports) == ["0", "1"], output
    assert reports["0"] == reports["1"]


def test_vogels_abbott_example_distributed(tmp_path):
    example = os.path.join(ROOT, "examples", "vogels_abbott.py")
    _, serial = _run([example, "--no-plot"], 1, str(tmp_path))
    _, distributed = _run([example, "--plot", str(tmp_path / "va.png")], 2, str(tmp_path))
    assert "2 processes" in distributed
    rates = [line for line in serial.splitlines() if "rate" in line]
    assert len(rates) == 2
    for line in rates:
        assert line in distributed
    assert (tmp_path / "va.png").stat().st_size > 10000


def test_ranvier_command_distributed(tmp_path):
    """`mpirun -np 2 ranvier run FILE` writes the files of a serial run, byte
    for byte (spikes and v; NeuroML/LEMS and SONATA), once."""
    import pyNN.ranvier as sim
    sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
    from exchange_nets import vogels_abbott
    vogels_abbott(sim, n=60)
    sim.export(str(tmp_path / "n" / "va.net.nml"), duration=150.0)
    sim.export(str(tmp_path / "s" / "circuit_config.json"), format="sonata", duration=150.0)
    sim.end()
    runs = (("n", "LEMS_va.xml", ("E.spikes", "I.spikes", "E.v.dat")),
            ("s", "simulation_config.json", ("spikes.h5",)))
    for form, name, outputs in runs:
        folder = tmp_path / form
        files = {}
        for processes in (1, 2):
            out = folder / ("out%d" % processes)
            _, text = _run(["-m", "ranvier.exchange.cli", "run", str(folder / name), "--quiet",
                            "--output", str(out)], processes, str(folder))
            assert text.count("simulated 150 ms") == 1, text        # one process reports
            assert ("on 2 MPI processes" in text) == (processes == 2), text
            files[processes] = out
        assert sorted(os.listdir(files[1])) == sorted(os.listdir(files[2]))
        for f in set(outputs) | set(os.listdir(files[1])):
            if f.endswith(".h5"):
                a, b = _datasets(files[1] / f), _datasets(files[2] / f)
                assert sorted(a) == sorted(b), (form, f)
                assert all(np.array_equal(a[k], b[k]) for k in a), (form, f)
                assert any(v.size > 10 for v in a.values()), (form, f)
            else:
                a = (files[1] / f).read_bytes()
                assert a == (files[2] / f).read_bytes(), (form, f)
                assert len(a) > 100, (form, f)


def _datasets(path):
    import h5py
    out = {}
    with h5py.File(str(path)) as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return out
