#!/bin/sh
# The whiteboard's programs end to end (docs/whiteboard.md): whiteboard
# --draw/--watch/--export, a late joiner, malformed items relayed as they
# came and refused by the client with a clear message, wbchat on the same
# server process, the resident (--service) and on-demand lifetimes, and
# usage errors. Waits poll files with a deadline only as a hang guard.
set -eu
: "${BUILD:=build}"
tmp=${COMRT_TEST_TMP:-$(mktemp -d)}
dir=$(cd "$BUILD/examples/whiteboard" && pwd)
wb="$dir/whiteboard"
chat="$dir/wbchat"
comcall="$BUILD/bin/comcall"
pids=""
fail() {
    echo "FAIL: $*"
    for f in "$tmp"/*.out "$tmp"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done
    exit 1
}
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# wait_for FILE PATTERN: until FILE has a line matching PATTERN (20 s hang guard)
wait_for() {
    i=0
    while ! grep -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -le 400 ] || fail "$1 never showed '$2'"
        sleep 0.05
    done
}
# running PID: the process has not exited (a zombie has: the client that
# launched it may be gone, leaving the reaping to init)
running() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'; }
# gone PID: until the process has exited (20 s hang guard)
gone() {
    i=0
    while running "$1"; do
        i=$((i + 1))
        [ $i -le 400 ] || fail "process $1 is still running"
        sleep 0.05
    done
}
field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$1" | head -n 1; }

"$BUILD/bin/regsvr" -s --exe "$dir/whiteboard-server"

# 1. A watcher sees another client's strokes, in order, as they come.
"$wb" --board t1 --watch >"$tmp/w1.out" 2>"$tmp/w1.err" &
w1=$!; pids="$pids $w1"
wait_for "$tmp/w1.out" '^ready board=t1 seq=0 items=0 server='
server=$(field "$tmp/w1.out" server)
cat >"$tmp/draw.txt" <<'DRAW'
# a red line, a blue dot, then a green triangle
stroke red 4 10,10 100,100 200,50
stroke #3060e0 10 500,300
stroke green 3 600,500 700,300 800,500 600,500
DRAW
"$wb" --board t1 --draw "$tmp/draw.txt" || fail "--draw failed"
wait_for "$tmp/w1.out" '^stroke seq=3 '
grep '^stroke' "$tmp/w1.out" >"$tmp/got.txt"
cat >"$tmp/want.txt" <<'WANT'
stroke seq=1 #e03030 4 10,10 100,100 200,50
stroke seq=2 #3060e0 10 500,300
stroke seq=3 #20a040 3 600,500 700,300 800,500 600,500
WANT
cmp -s "$tmp/got.txt" "$tmp/want.txt" || { diff "$tmp/want.txt" "$tmp/got.txt"; fail "watcher output"; }

# 2. A late joiner gets the whole board first, then live changes; clears reach it.
"$wb" --board t1 --watch >"$tmp/w2.out" 2>"$tmp/w2.err" &
w2=$!; pids="$pids $w2"
wait_for "$tmp/w2.out" '^ready board=t1 seq=3 items=3'
[ "$(grep -c '^stroke old ' "$tmp/w2.out")" -eq 3 ] || fail "late joiner lacks the old strokes"
sed -n 's/^stroke old //p' "$tmp/w2.out" | head -n 1 | grep -q '^#e03030 4 10,10 100,100 200,50$' ||
    fail "late joiner's first stroke"
printf 'clear\nstroke black 2 1,1 999,599\n' | "$wb" --board t1 --draw - || fail "--draw - failed"
wait_for "$tmp/w2.out" '^stroke seq=5 #202020 2 1,1 999,599'
grep -q '^clear seq=4$' "$tmp/w1.out" || fail "the clear did not reach the first watcher"
grep -q '^clear seq=4$' "$tmp/w2.out" || fail "the clear did not reach the late joiner"

# 3. The whole board as SVG (what the server holds now).
"$wb" --board t1 --export "$tmp/board.svg" || fail "--export failed"
grep -q '<polyline stroke="#202020" stroke-width="2" points="1,1 999,599"/>' "$tmp/board.svg" || fail "svg content"
[ "$(grep -c '<polyline' "$tmp/board.svg")" -eq 1 ] || fail "svg holds cleared strokes"

# 4. Items that are not strokes: stored and relayed as they came; the
#    client refuses them with a clear message and carries on.
"$wb" --watch >"$tmp/w3.out" 2>"$tmp/w3.err" &
w3=$!; pids="$pids $w3"
wait_for "$tmp/w3.out" '^ready board=default'
seq=$("$comcall" Whiteboard.Server AddStroke 42) || fail "comcall AddStroke 42"
"$comcall" Whiteboard.Server AddStroke '["comrt.whiteboard.stroke/1", 255, 0, "1,2"]' >/dev/null ||
    fail "comcall AddStroke (a look-alike)"
wait_for "$tmp/w3.out" "^reject seq=$seq: not a whiteboard stroke: a VARIANT of type 0x0003"
wait_for "$tmp/w3.out" "^reject seq=$((seq + 1)): not a whiteboard stroke: the pen width 0 is not 1..100"
[ "$("$comcall" Whiteboard.Server StrokeCount)" -ge 2 ] || fail "the items were not stored"
echo 'stroke blue 5 10,10 20,20' | "$wb" --draw - || fail "drawing after bad items"
wait_for "$tmp/w3.out" '^stroke seq=.* #3060e0 5 10,10 20,20'
"$wb" --export "$tmp/mixed.svg" 2>"$tmp/export.err" || fail "export of a mixed board"
grep -q 'items on the board are not strokes' "$tmp/export.err" || fail "export did not say what it left out"
kill "$w3"; wait "$w3" || fail "watcher exit status"

# 5. The chat client: the same class, the same server process, its own board.
mkfifo "$tmp/a.in" "$tmp/b.in"
"$chat" --nick alice <"$tmp/a.in" >"$tmp/a.out" 2>&1 &
ca=$!; pids="$pids $ca"
exec 7>"$tmp/a.in"
"$chat" --nick bob <"$tmp/b.in" >"$tmp/b.out" 2>&1 &
cb=$!; pids="$pids $cb"
exec 8>"$tmp/b.in"
wait_for "$tmp/a.out" "^-- alice joined board chat on server pid $server;"
wait_for "$tmp/b.out" "^-- bob joined board chat on server pid $server;"
echo "hello from alice" >&7
wait_for "$tmp/b.out" '^\[1\] alice: hello from alice$'
echo "hi alice" >&8
wait_for "$tmp/a.out" '^\[2\] bob: hi alice$'
echo "/quit" >&7
exec 7>&-
wait "$ca" || fail "alice's exit status"
# a late chatter reads the history
echo "/quit" | "$chat" --nick carol >"$tmp/c.out" 2>&1 || fail "carol's exit status"
grep -q '^\[old\] alice: hello from alice$' "$tmp/c.out" || fail "chat history"
grep -q '^\[old\] bob: hi alice$' "$tmp/c.out" || fail "chat history"
exec 8>&-
wait "$cb" || fail "bob's exit status"
# the whiteboard board did not see any of it
[ "$(grep -c '^reject' "$tmp/w1.out" || true)" -eq 0 ] || fail "chat lines leaked onto board t1"

# 6. On demand, the server leaves with its last client, and the boards with it.
kill "$w1" "$w2"
wait "$w1" || fail "watcher 1 exit status"
wait "$w2" || fail "watcher 2 exit status"
gone "$server"
"$wb" --board t1 --watch >"$tmp/w4.out" 2>&1 &
w4=$!; pids="$pids $w4"
wait_for "$tmp/w4.out" '^ready board=t1 seq=0 items=0'
[ "$(field "$tmp/w4.out" server)" != "$server" ] || fail "the old server answered"
kill "$w4"; wait "$w4" || true
gone "$(field "$tmp/w4.out" server)"

# 7. Resident (--service): boards outlive their clients until SIGTERM.
"$dir/whiteboard-server" --service 2>"$tmp/service.err" &
svc=$!; pids="$pids $svc"
# Wait until it has published the class (it holds the rendezvous lock):
# a client that came first would launch an on-demand server of its own,
# draw there, and that server would leave with it, board and all.
lock="${XDG_RUNTIME_DIR:-/tmp}/comrt/class-{A782CDAB-CB97-44CC-89CB-F28D24A71FB1}.lock"
[ -n "${XDG_RUNTIME_DIR:-}" ] || lock="/tmp/comrt-$(id -u)/class-{A782CDAB-CB97-44CC-89CB-F28D24A71FB1}.lock"
i=0
until [ -f "$lock" ] && ! flock -n -s "$lock" true 2>/dev/null; do
    i=$((i + 1)); [ $i -le 400 ] || fail "the resident server never published its class"; sleep 0.05
done
i=0
until echo 'stroke red 1 5,5' | "$wb" --board kept --draw - 2>/dev/null; do
    i=$((i + 1)); [ $i -le 400 ] || fail "the resident server never answered"; sleep 0.05
done
sleep 0.1 # no client left now; a resident server stays
kill -0 "$svc" || fail "the resident server left with its last client"
"$wb" --board kept --watch >"$tmp/w5.out" 2>&1 &
w5=$!; pids="$pids $w5"
wait_for "$tmp/w5.out" "^ready board=kept seq=.* items=.* server=$svc\$"
grep -q '^stroke old #e03030 1 5,5$' "$tmp/w5.out" || fail "the resident server lost the board"
kill "$w5"; wait "$w5" || true
kill -TERM "$svc"
wait "$svc" || fail "the resident server's exit status"

# 8. Usage and file errors.
set +e
"$wb" --bogus >/dev/null 2>"$tmp/usage.err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "unknown argument '--bogus'" "$tmp/usage.err" || fail "usage error ($rc)"
printf 'stroke red 1 1,1\nstroke purple 9 1,1 2000,1\n' >"$tmp/bad.txt"
set +e
"$wb" --board errs --draw "$tmp/bad.txt" 2>"$tmp/bad.err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "bad.txt:2: expected a point X,Y within 0..1000,0..600, got '2000,1'" "$tmp/bad.err" ||
    fail "bad draw file ($rc): $(cat "$tmp/bad.err")"
echo "ok"
