#!/usr/bin/env bash
# Idempotent set-up of a machine for Ranvier (Debian 12, Python 3.11 with pip).
#
#   scripts/setup.sh
#
# 1. installs missing Debian build tools (C/C++ compiler, make, cmake, Open
#    MPI, a Java runtime for jNeuroML, and python3-venv if `python3 -m venv`
#    does not work); sudo only when not root;
# 2. creates .venv in the repository root if absent;
# 3. installs requirements.txt (pinned) into it;
# 4. builds and installs Ranvier (`pip install .`) when its sources changed;
# 5. compiles PyNN's NEURON mechanisms once (nrnivmodl);
# 6. fetches and unpacks PyNN 0.13.0's source distribution into
#    build/pynn-sdist/ (its examples and system tests are not in the wheel);
# 7. checks that pyNN.ranvier and pyNN.neuron import; NEST and Brian2 are
#    optional (a note is printed when they do not work).
#
# Environment: PYTHON (default python3) is the interpreter the venv is made from.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
PYTHON="${PYTHON:-python3}"
PYNN_VERSION=0.13.0
SDIST_DIR="$ROOT/build/pynn-sdist"

say()  { printf '[setup] %s\n' "$*"; }
note() { printf '[setup] NOTE: %s\n' "$*"; }
die()  { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Never let another environment leak in (e.g. an activated developer venv).
unset PYTHONPATH PYTHONHOME || true

# --- 1. Debian packages, only when missing ----------------------------------
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 && SUDO="sudo" || SUDO="__nosudo__"
fi
APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "missing $*, and apt-get is not available: install them by hand"
    [ "$SUDO" = "__nosudo__" ] && die "missing $*: not root and no sudo; install them by hand"
    if [ "$APT_UPDATED" = 0 ]; then
        say "apt-get update"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

need=()
for tool in gcc g++ make; do
    command -v "$tool" >/dev/null 2>&1 || need=(build-essential)
done
# cmake >= 3.18 builds the C library and tests (test.sh); pip's isolated
# build of the Python extension brings its own cmake from PyPI.
cmake_ok() {
    command -v cmake >/dev/null 2>&1 || return 1
    local v
    v="$(cmake --version 2>/dev/null | sed -n 's/^cmake version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')"
    [ -n "$v" ] || return 1
    set -- $v
    [ "$1" -gt 3 ] || { [ "$1" -eq 3 ] && [ "$2" -ge 18 ]; }
}
cmake_ok || need+=(cmake)
# Open MPI: simulations over several processes (ranvier_mpi.h, mpirun), and
# what mpi4py (requirements.txt) is built against.
{ command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; } \
    || need+=(openmpi-bin libopenmpi-dev)
# Java: pyNeuroML's jNeuroML, which the exchange tests use to validate the
# exported NeuroML and to run it in jLEMS and (translated) in NEURON.
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
[ "${#need[@]}" -gt 0 ] && apt_install "${need[@]}"

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (Python >= 3.10 with pip is required)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$PYTHON is $("$PYTHON" -V 2>&1); Python >= 3.10 is required"

# --- 2. the virtual environment ---------------------------------------------
if [ -x "$PY" ] && ! "$PY" -c 'pass' >/dev/null 2>&1; then
    say ".venv is broken (its python does not run): re-creating it"
    rm -rf "$VENV"
fi
if [ ! -x "$PY" ]; then
    tmp="$(mktemp -d)"
    if ! "$PYTHON" -m venv "$tmp/v" >/dev/null 2>&1; then
        pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        apt_install python3-venv "python${pyver}-venv" || apt_install python3-venv
    fi
    rm -rf "$tmp"
    say "creating .venv with $("$PYTHON" -V 2>&1) ($(command -v "$PYTHON"))"
    "$PYTHON" -m venv "$VENV"
fi
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# --- 3. pinned requirements -------------------------------------------------
req_hash="$(cat requirements.txt | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.ranvier-requirements.sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$req_hash" ] \
   || ! "$PY" -c 'import pyNN, neuron, numpy, matplotlib, pytest' >/dev/null 2>&1; then
    say "installing requirements.txt into .venv (the first time takes a few minutes)"
    # mpi4py first, on its own: its 15 MB MPI.c, compiled with Python's own
    # flags (-O3 -g), made gcc 12 grow past 20 GB in 15 minutes and fail;
    # without debug information at -O1 it takes a minute and 0.6 GB.
    mpi4py_pin="$(grep -o '^mpi4py==[0-9.]*' requirements.txt)"
    if [ -n "$mpi4py_pin" ] && ! "$PY" -m pip show -q mpi4py >/dev/null 2>&1; then
        say "building $mpi4py_pin against Debian's Open MPI (about a minute)"
        CFLAGS="-O1 -g0" "$PY" -m pip install -q --disable-pip-version-check \
            --no-binary mpi4py "$mpi4py_pin"
    fi
    "$PY" -m pip install -q --disable-pip-version-check -r requirements.txt
    echo "$req_hash" > "$stamp"
else
    say "requirements.txt already installed"
fi

# --- 4. Ranvier itself ------------------------------------------------------
# A hash of everything that goes into the wheel; reinstall when it changes.
src_hash() {
    { find src include python CMakeLists.txt pyproject.toml ranvier.pc.in README.md \
           -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -name '*.so' 2>/dev/null || true; } \
        | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1
}
# The installed backend must be a real directory: never install through a
# symlink (pip would write into whatever it points at).
if [ -L "$SITE/pyNN/ranvier" ]; then
    say "removing the symlink $SITE/pyNN/ranvier (.venv gets a normal install)"
    rm -f "$SITE/pyNN/ranvier"
fi
stamp="$VENV/.ranvier-sources.sha256"
h="$(src_hash)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$h" ] || [ ! -d "$SITE/pyNN/ranvier" ] \
   || ! ls "$SITE"/ranvier/_core*.so >/dev/null 2>&1; then
    say "building and installing Ranvier (pip install .)"
    # (CMake's freshly built _core takes precedence over any copy built in
    # place in python/ranvier; build/pip keeps CMake's build for next time.)
    "$PY" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall \
        --config-settings=build-dir=build/pip . || die "pip install . failed"
    echo "$h" > "$stamp"
else
    say "Ranvier is up to date in .venv"
fi

# --- 5. PyNN's NEURON mechanisms, once --------------------------------------
NMODL="$SITE/pyNN/neuron/nmodl"
[ -d "$NMODL" ] || die "$NMODL not found (is PyNN installed?)"
arch="$(uname -m)"
if [ -e "$NMODL/$arch/libnrnmech.so" ] || [ -e "$NMODL/$arch/.libs/libnrnmech.so" ]; then
    say "PyNN's NEURON mechanisms already compiled"
else
    say "compiling PyNN's NEURON mechanisms (nrnivmodl)"
    (cd "$NMODL" && nrnivmodl >nrnivmodl.log 2>&1) \
        || { tail -30 "$NMODL/nrnivmodl.log" >&2; die "nrnivmodl failed (log: $NMODL/nrnivmodl.log)"; }
fi

# --- 6. PyNN's source distribution (examples, system tests) -----------------
if ls "$SDIST_DIR"/*/examples/VAbenchmarks.py >/dev/null 2>&1; then
    say "PyNN $PYNN_VERSION sdist already in build/pynn-sdist"
else
    say "fetching PyNN $PYNN_VERSION's source distribution into build/pynn-sdist"
    mkdir -p "$SDIST_DIR"
    "$PY" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$SDIST_DIR" "PyNN==$PYNN_VERSION"
    tarball="$(ls "$SDIST_DIR"/[Pp]y[Nn][Nn]-"$PYNN_VERSION".tar.gz | head -1)"
    tar -xzf "$tarball" -C "$SDIST_DIR"
    ls "$SDIST_DIR"/*/examples/VAbenchmarks.py >/dev/null 2>&1 \
        || die "the sdist has no examples/VAbenchmarks.py"
fi

# --- 7. checks --------------------------------------------------------------
CHECKDIR="$(mktemp -d)"
trap 'rm -rf "$CHECKDIR"' EXIT
cd "$CHECKDIR"   # import from site-packages, not from the source tree
"$PY" - "$SITE" <<'EOF' || die "import pyNN.ranvier failed (see above)"
import os, sys
import ranvier, pyNN.ranvier as sim
site = os.path.realpath(sys.argv[1])
for mod in (ranvier, sim):
    path = os.path.realpath(mod.__file__)
    assert path.startswith(site + os.sep), "%s imported from %s, not from .venv" % (mod.__name__, path)
print("[setup] pyNN.ranvier OK (Ranvier %s)" % ranvier.__version__)
EOF
"$PY" -c 'import pyNN.neuron' >/dev/null 2>nrn.err \
    || { cat nrn.err >&2; die "import pyNN.neuron failed"; }
say "pyNN.neuron OK"
if "$PY" -c "import nest, sys; sys.exit(0 if 'aeif_cond_alpha' in nest.node_models else 3)" >nest.out 2>&1; then
    say "NEST OK ($(nest-config --version 2>/dev/null || echo '?'), aeif_cond_alpha available)"
else
    tail -5 nest.out
    note "NEST does not work here (import nest, or aeif_cond_alpha missing); tests that compare with NEST will be skipped"
fi
if "$PY" -c 'import brian2' >brian2.out 2>&1; then
    say "Brian2 OK"
else
    note "Brian2 does not import ($(grep -v '^\s' brian2.out | tail -1)); tests that compare with Brian2 will be skipped"
fi
say "done"
