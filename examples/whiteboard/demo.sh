#!/bin/sh
# make demo: the DCOM whiteboard. Registers the whiteboard server in a
# private registry, starts it resident (--service), and runs scripted
# clients on the board "demo": a watcher prints every change as it comes,
# alice and bob draw at the same time, carol joins late and gets the whole
# board, alice and bob chat on the same server, and the board is exported
# as SVG. Then, on a terminal with tmux, a tmux session opens with two
# interactive whiteboards side by side and a scripted client drawing
# below; without one (scripts, CI), it says how to start them by hand.
#   WB_DEMO_SVG=FILE   also copy the exported board to FILE
#                      (docs/whiteboard-demo.svg was made this way)
#   WB_DEMO_BATCH=1    never open tmux
set -eu
: "${BUILD:=build}"
src=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$BUILD/examples/whiteboard" && pwd)
run=$(mkdir -p "$BUILD/demo-whiteboard" && cd "$BUILD/demo-whiteboard" && pwd)
export COMRT_REGISTRY="$run/registry" XDG_RUNTIME_DIR="$run/run"
rm -rf "$run/run" "$COMRT_REGISTRY"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
server=""
watch=""
cleanup() {
    [ -z "$watch" ] || kill "$watch" 2>/dev/null || true
    [ -z "$server" ] || { kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; } || true
}
trap cleanup EXIT INT TERM

echo "== registry: $COMRT_REGISTRY"
echo "== regsvr --exe $bin/whiteboard-server"
"$BUILD/bin/regsvr" --exe "$bin/whiteboard-server"

echo "== whiteboard-server --service   (resident: keeps the boards while nobody is connected)"
"$bin/whiteboard-server" --service 2>"$run/server.log" &
server=$!
"$bin/whiteboard" --board demo --watch >"$run/watch.log" 2>&1 &
watch=$!
i=0
until grep -q '^ready' "$run/watch.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -le 600 ] || { cat "$run/watch.log"; echo "the watcher did not start"; exit 1; }
    sleep 0.05
done
head -n 1 "$run/watch.log"

echo "== alice and bob draw at the same time (whiteboard --draw), a watcher prints what arrives:"
"$bin/whiteboard" --board demo --draw "$src/demo/alice.strokes" &
alice=$!
"$bin/whiteboard" --board demo --draw "$src/demo/bob.strokes"
wait "$alice"
n=$(grep -c '^stroke seq=' "$run/watch.log" || true)
while [ "$n" -lt 28 ] && [ $i -le 1200 ]; do i=$((i + 1)); sleep 0.05; n=$(grep -c '^stroke seq=' "$run/watch.log" || true); done
sed -n '2,6p' "$run/watch.log" | cut -c1-100
echo "   ... ($n strokes received by the watcher, each as it was drawn; full log: $run/watch.log)"

echo "== carol joins late (whiteboard --watch) and gets the whole board first:"
"$bin/whiteboard" --board demo --watch >"$run/carol.log" 2>&1 &
carol=$!
i=0
until grep -q '^ready' "$run/carol.log" 2>/dev/null; do i=$((i + 1)); [ $i -le 600 ] || break; sleep 0.05; done
kill "$carol"; wait "$carol" || true
grep '^ready' "$run/carol.log"

echo "== the same server, another application: wbchat on the board \"chat\""
printf 'the whiteboard server stores VARIANTs\nit never looks inside them\n' |
    "$bin/wbchat" --nick alice | sed 's/^/   alice> /'
printf 'so a chat works too\n' | "$bin/wbchat" --nick bob | sed 's/^/   bob>   /'

echo "== whiteboard --export $run/board.svg"
"$bin/whiteboard" --board demo --export "$run/board.svg"
echo "   $(grep -c '<polyline\|<circle' "$run/board.svg") strokes in $run/board.svg"
if [ -n "${WB_DEMO_SVG:-}" ]; then
    cp "$run/board.svg" "$WB_DEMO_SVG"
    echo "   copied to $WB_DEMO_SVG"
fi
kill "$watch"; wait "$watch" || true
watch=""

env="COMRT_REGISTRY=$COMRT_REGISTRY XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
if [ -z "${WB_DEMO_BATCH:-}" ] && [ -t 0 ] && [ -t 1 ] && command -v tmux >/dev/null 2>&1; then
    echo "== opening tmux: two whiteboards side by side, a scripted client drawing below."
    echo "   Draw with the mouse or arrows + space; 1-8 colour, +/- pen, c clear, q quit a board."
    echo "   Leave with Ctrl-b d (or quit both boards). Starting in 3 s..."
    sleep 3
    sock="$run/tmux.sock"
    cat >"$run/tmux.conf" <<CONF
set -g remain-on-exit off
set -g status-left ' comrt whiteboard '
set -g status-right ' Ctrl-b d leaves '
CONF
    board="$bin/whiteboard --board demo --log $run/tui.log"
    # Made at this terminal's size, so attaching does not rescale the layout.
    size=$(stty size 2>/dev/null || echo "24 80")
    TMUX= tmux -S "$sock" -f "$run/tmux.conf" new-session -d -s whiteboard \
        -x "${size#* }" -y "$((${size% *} - 1))" "$board"
    TMUX= tmux -S "$sock" split-window -h -t whiteboard "$board"
    TMUX= tmux -S "$sock" split-window -v -f -l 6 -t whiteboard \
        "$bin/whiteboard --board demo --draw $src/demo/spiral.strokes; echo 'scripted client done: the spiral is on both boards.'; sleep 1000000"
    TMUX= tmux -S "$sock" select-pane -t whiteboard.0
    TMUX= tmux -S "$sock" attach -t whiteboard || true
    TMUX= tmux -S "$sock" kill-server 2>/dev/null || true
    echo "== to come back: run the boards yourself, as below"
else
    echo "== no terminal with tmux here: run the interactive boards yourself, each in a terminal of its own:"
fi
echo "   $env $bin/whiteboard-server --service &        # optional: keeps the boards between clients"
echo "   $env $bin/whiteboard --board demo             # two or more of these, side by side"
echo "   $env $bin/whiteboard --board demo --draw $src/demo/alice.strokes   # a scripted client"
echo "   (this demo's resident server stops now, and its board with it)"
echo "== done"
