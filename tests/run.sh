#!/bin/sh
# Runs every test program and script given on the command line, each in a
# private environment (its own registry file and runtime directory), with a
# time limit, and closes with one summary line "tests: N passed, N failed".
# Check programs count each of their test cases; a script counts as one test.
set -u
: "${BUILD:=build}"
: "${TEST_TIMEOUT:=300}"
export BUILD
root=$(pwd)
passed=0
failed=0
failed_names=""
log=$(mktemp)
for t in "$@"; do
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/comrt-test.XXXXXX")
    mkdir -m 0700 "$tmp/run"
    case "$t" in
        *.sh) cmd="sh $t" ;;
        *) cmd="$t" ;;
    esac
    start=$(date +%s)
    COMRT_REGISTRY="$tmp/registry" XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/config" \
        COMRT_TEST_TMP="$tmp" COMRT_ROOT="$root" \
        timeout -k 5 "$TEST_TIMEOUT" $cmd >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    summary=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
    if [ -n "$summary" ]; then
        n=$(echo "$summary" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$summary" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        e=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        bad=$((f + e))
        if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
        passed=$((passed + n - bad))
        failed=$((failed + bad))
    elif [ "$rc" -eq 0 ]; then
        passed=$((passed + 1)); bad=0
    else
        failed=$((failed + 1)); bad=1
    fi
    if [ "$bad" -eq 0 ]; then
        echo "PASS  $t (${secs}s) ${summary}"
    else
        echo "FAIL  $t (exit $rc, ${secs}s)"
        sed 's/^/    | /' "$log" | tail -n 60
        failed_names="$failed_names $t"
    fi
    rm -rf "$tmp"
done
rm -f "$log"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
