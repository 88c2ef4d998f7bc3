#!/usr/bin/env bash
# Builds the libFuzzer target tests/fuzz/fuzz_api.c with clang, ASan and
# UBSan into build/fuzz/fuzz_api.  Needs clang with libFuzzer (Debian:
# clang-14 libclang-rt-14-dev).  Built without OpenMP (Debian's clang has no
# OpenMP runtime): the shards then run one after the other, which is the
# same code path the kernel takes without OpenMP.  Not part of the CMake
# build, so the gcc build never depends on clang.
#
# Fuzzing, one process (corpus kept minimised in tests/fuzz/corpus):
#   build/fuzz/fuzz_api -timeout=10 -rss_limit_mb=2048 -max_total_time=600 \
#       build/fuzz/work tests/fuzz/corpus
#   build/fuzz/fuzz_api -merge=1 tests/fuzz/corpus build/fuzz/work   # keep new coverage
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CC="${CC:-$(command -v clang-14 || command -v clang || true)}"
if [ -z "$CC" ]; then
    echo "tests/fuzz/build.sh: clang not found" >&2
    exit 1
fi
OUT="$ROOT/build/fuzz"
mkdir -p "$OUT" "$OUT/work"
# The library's sources are those listed in CMakeLists.txt.
SOURCES=$(sed -n '/^set(RANVIER_SOURCES/,/^)/p' "$ROOT/CMakeLists.txt" | grep -o 'src/[^ ]*\.c')
SOURCES="$SOURCES src/core/comm_serial.c"   # the one-process exchange (no MPI here)
cd "$ROOT"
"$CC" -std=c11 -O1 -g -fno-omit-frame-pointer \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -fno-trapping-math \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Iinclude -Isrc $SOURCES tests/fuzz/fuzz_api.c -lm -o "$OUT/fuzz_api"
echo "built $OUT/fuzz_api"
