#!/bin/sh
# Runs the benchmarks against a private registry (never the user's).
set -eu
: "${BUILD:=build}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/comrt-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export COMRT_REGISTRY="$tmp/registry" XDG_RUNTIME_DIR="$tmp"
"$BUILD/bin/regsvr" -s "$BUILD/examples/hello/libhello.so"
# The out-of-process server of tests/oop (bench_oop), if built.
oop="$BUILD/tests/oop/oop-server"
if [ -x "$oop" ]; then
    "$BUILD/bin/regsvr" -s --exe "$(cd "$(dirname "$oop")" && pwd)/oop-server"
    # TODO(elf-typelib): until the loader reads type libraries embedded in
    # executables, register the stand-alone .tlb as tests/oop does.
    "$BUILD/bin/comidl" --register "$BUILD/gen/tests/oop/oop.tlb" >/dev/null
fi
echo "machine: $(nproc) cores, $(uname -m), $(uname -r)"
status=0
for b in "$@"; do
    "$b" || status=$?
done
exit $status
