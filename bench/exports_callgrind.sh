#!/bin/sh
# Server-side instructions per out-of-process null call, 1 vs N exported
# objects, counted by callgrind (immune to the machine's load, unlike
# bench_exports' timings). The oop-server runs under callgrind, collecting
# only inside comrt_export_dispatch (the whole handling of a request); the
# client is bench_exports in its profile mode. Each count is run with 0
# and CALLS null calls on the newest object, and the difference divided by
# CALLS, so the activations that made the objects cancel out.
#
#   BUILD=build sh bench/exports_callgrind.sh [N ...]      (default: 0 10000)
set -eu
: "${BUILD:=build}"
: "${CALLS:=20000}"
server=$(cd "$BUILD/tests/oop" && pwd)/oop-server
tmp=
trap 'rm -rf "$tmp"' EXIT

# Ir collected in the server for BENCH_EXPORTS_N=$1, BENCH_EXPORTS_PROFILE=$2.
server_ir() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/comrt-cg.XXXXXX")
    COMRT_REGISTRY="$tmp/registry" XDG_RUNTIME_DIR="$tmp"
    export COMRT_REGISTRY XDG_RUNTIME_DIR
    "$BUILD/bin/regsvr" -s --exe "$server"
    "$BUILD/bin/comidl" --register "$BUILD/gen/tests/oop/oop.tlb" >/dev/null
    sed -i "s|^@=\"$server\"\$|@=\"$(command -v valgrind) --tool=callgrind -q --callgrind-out-file=$tmp/cg.out --toggle-collect=comrt_export_dispatch $server\"|" \
        "$COMRT_REGISTRY"
    COMRT_ACTIVATION_TIMEOUT_MS=120000 BENCH_EXPORTS_N=$1 BENCH_EXPORTS_PROFILE=$2 \
        "$BUILD/bench/bench_exports" >/dev/null
    # The server leaves once its last object is released; callgrind then writes.
    i=0
    while ! grep -q '^totals:' "$tmp/cg.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 1200 ] || { echo "exports_callgrind: no callgrind output" >&2; exit 1; }
        sleep 0.1
    done
    sed -n 's/^totals: *//p' "$tmp/cg.out"
    rm -rf "$tmp"
}

echo "server instructions per null call (comrt_export_dispatch, inclusive; $CALLS calls)"
for n in ${*:-0 10000}; do
    base=$(server_ir "$n" 0)
    with=$(server_ir "$n" "$CALLS")
    echo "$n $base $with" | awk '{printf "%6d other objects exported: %8.0f Ir per call\n", $1, ($3 - $2) / '"$CALLS"'}'
done
