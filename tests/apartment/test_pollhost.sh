#!/bin/sh
# examples/pollhost end to end: a local server whose only thread serving
# calls is its main thread's poll() loop (comrt_apartment_get_fd +
# comrt_apartment_dispatch_pending) serves a client in another process,
# including a callback into the client, and reports that the calls ran in
# its dispatch rounds.
set -eu
: "${BUILD:=build}"
tmp=${COMRT_TEST_TMP:-$(mktemp -d)}
export COMRT_REGISTRY="$tmp/reg-pollhost"
host="$BUILD/examples/pollhost/pollhost"
client="$BUILD/examples/hello/hello-client"
fail() { echo "FAIL: $*"; exit 1; }

"$BUILD/bin/regsvr" -s --exe "$host" || fail "regsvr --exe pollhost"
# Started by hand (resident until signalled), so its report can be read.
"$host" >"$tmp/host.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
# Its class must be published before the client looks, or the client would
# launch an instance of its own.
for i in $(seq 100); do grep -q "ready" "$tmp/host.out" 2>/dev/null && break; sleep 0.1; done
grep -q "ready" "$tmp/host.out" || fail "pollhost did not start: $(cat "$tmp/host.out")"
out=$("$client" --local pollster 2>&1) || fail "hello-client: $out"
printf '%s\n' "$out" | grep -q "Hello, pollster!" || fail "no greeting: $out"
printf '%s\n' "$out" | grep -q "listener (pid $$\|listener (pid [0-9]*) heard: Hello, pollster!" ||
    fail "the server did not call the client's listener back: $out"
printf '%s\n' "$out" | grep -q "runs in pid $pid (a local server" || fail "not served by pollhost ($pid): $out"
kill -TERM $pid
wait $pid || fail "pollhost exited with $?"
trap - EXIT
grep -q "ran calls in [1-9][0-9]* dispatch rounds on its main thread" "$tmp/host.out" ||
    fail "pollhost did not dispatch the calls: $(cat "$tmp/host.out")"
echo "ok: $(cat "$tmp/host.out")"
