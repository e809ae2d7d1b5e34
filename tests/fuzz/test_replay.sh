#!/bin/sh
# Replays every fuzz corpus through its target (built without libFuzzer).
set -eu
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c); name=${name#fuzz_}
    [ -d "tests/fuzz/corpus/$name" ] || { echo "no corpus for $name"; exit 1; }
    "$BUILD/tests/fuzz/replay_$name" "tests/fuzz/corpus/$name"
done
