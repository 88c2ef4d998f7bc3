#!/usr/bin/env bash
# The main job: set up the machine (scripts/setup.sh), then run the
# Vogels-Abbott COBA network through PyNN on Ranvier and write a spike raster.
#
#   ./run.sh                       # COBA on Ranvier -> out/vogels_abbott_COBA.png
#   ./run.sh --benchmark CUBA      # extra arguments go to examples/vogels_abbott.py
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

unset PYTHONPATH PYTHONHOME || true
export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$ROOT/.venv/bin:$PATH"
export MPLBACKEND=Agg

echo
echo "=== Vogels-Abbott network through PyNN on Ranvier ==="
exec "$ROOT/.venv/bin/python" "$ROOT/examples/vogels_abbott.py" "$@"
