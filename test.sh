#!/usr/bin/env bash
# The whole test suite: set up the machine (scripts/setup.sh), then
#   1. the C library and C tests with CMake + ctest          (build/ctest)
#   2. the same built without MPI (RANVIER_MPI=OFF)            (build/nompi)
#   3. the same with AddressSanitizer/UBSan (RANVIER_SANITIZE) (build/asan)
#   4. pytest on tests/python with .venv's python
# Exits non-zero if anything fails.  Extra arguments go to pytest.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh" || { echo "[test] scripts/setup.sh failed" >&2; exit 1; }

unset PYTHONPATH PYTHONHOME || true
export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$ROOT/.venv/bin:$PATH"
export MPLBACKEND=Agg
JOBS="$(nproc 2>/dev/null || echo 2)"

failed=()
step() {   # step NAME command...
    local name="$1"; shift
    echo
    echo "=== $name ==="
    local t0=$SECONDS
    if "$@"; then
        echo "=== $name: OK ($((SECONDS - t0)) s) ==="
    else
        echo "=== $name: FAILED ($((SECONDS - t0)) s) ===" >&2
        failed+=("$name")
    fi
}
cmake_ctest() {   # cmake_ctest BUILD_DIR cmake-options...
    local dir="$1"; shift
    cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DRANVIER_BUILD_TESTS=ON "$@" >/dev/null \
        && cmake --build "$dir" -j "$JOBS" \
        && (cd "$dir" && ctest --output-on-failure -j "$JOBS")
}

step "C library and tests (build/ctest)" cmake_ctest build/ctest -DRANVIER_SANITIZE=OFF
step "C library and tests built without MPI (build/nompi)" cmake_ctest build/nompi -DRANVIER_MPI=OFF
step "C tests under AddressSanitizer/UBSan (build/asan)" cmake_ctest build/asan -DRANVIER_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
step "Python tests (pytest tests/python)" "$ROOT/.venv/bin/python" -m pytest tests/python "$@"

echo
if [ "${#failed[@]}" -gt 0 ]; then
    printf '[test] FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "[test] all passed"
