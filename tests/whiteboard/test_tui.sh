#!/bin/sh
# The interactive whiteboard in a real terminal: tmux runs it in a private
# server; send-keys draws with the keyboard and the mouse (raw xterm mouse
# reports), capture-pane reads the screen. Another client's stroke must
# appear on it (through the callback, with nothing polling), strokes drawn
# in it must reach a --watch client, and it must follow a resize, a clear
# and quit cleanly. Waits poll with a deadline only as a hang guard.
set -eu
: "${BUILD:=build}"
tmp=${COMRT_TEST_TMP:-$(mktemp -d)}
dir=$(cd "$BUILD/examples/whiteboard" && pwd)
wb="$dir/whiteboard"
sock="$tmp/tmux.sock"
watch=""
unset TMUX
export LANG=C.UTF-8 LC_ALL=C.UTF-8
fail() {
    echo "FAIL: $*"
    tmux -S "$sock" capture-pane -p 2>/dev/null || true
    for f in "$tmp"/*.out "$tmp"/*.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done
    exit 1
}
cleanup() {
    tmux -S "$sock" kill-server 2>/dev/null || true
    [ -z "$watch" ] || kill "$watch" 2>/dev/null || true
}
trap cleanup EXIT
screen() { tmux -S "$sock" capture-pane -p; }
# until the screen shows PATTERN (20 s hang guard)
wait_screen() {
    i=0
    until screen | grep -q -- "$1"; do
        i=$((i + 1)); [ $i -le 400 ] || fail "the screen never showed '$1'"; sleep 0.05
    done
}
wait_for() {
    i=0
    until grep -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -le 400 ] || fail "$1 never showed '$2'"; sleep 0.05
    done
}
# the most braille characters (U+2800..U+28FF: UTF-8 E2 A0..A3 xx) on one screen row
widest() { screen | LC_ALL=C awk '{ n = gsub(/\342[\240-\243]/, "&"); if (n > m) m = n } END { print m + 0 }'; }
# an xterm (X10) mouse report: button code, column, row (0-based)
mouse() { tmux -S "$sock" send-keys -l "$(printf "\033[M\\$(printf %o $((32 + $1)))\\$(printf %o $((33 + $2)))\\$(printf %o $((33 + $3)))")"; }

"$BUILD/bin/regsvr" -s --exe "$dir/whiteboard-server"
"$wb" --board tui --watch >"$tmp/watch.out" 2>&1 &
watch=$!
wait_for "$tmp/watch.out" '^ready board=tui'

cat >"$tmp/tmux.conf" <<'CONF'
set -g default-terminal screen
set -g remain-on-exit on
CONF
tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x 80 -y 24 \
    "$wb --board tui --log '$tmp/tui.log'; echo \"exit \$?\" >'$tmp/exit.out'"
wait_screen ' board tui | 0 strokes'

# Another client's stroke appears: a horizontal line across the board.
echo 'stroke red 8 100,300 900,300' | "$wb" --board tui --draw -
wait_screen ' board tui | 1 strokes'
[ "$(widest)" -ge 40 ] || fail "the line is not on the screen (widest row: $(widest))"

# The keyboard draws: pen down, eight steps right, pen up.
tmux -S "$sock" send-keys ' ' Right Right Right Right Right Right Right Right ' '
wait_for "$tmp/watch.out" '^stroke seq=2 #202020 4 '
pts=$(sed -n 's/^stroke seq=2 #202020 4 //p' "$tmp/watch.out" | wc -w)
[ "$pts" -eq 9 ] || fail "the keyboard stroke has $pts points, not 9"

# The mouse draws: press, drag, release (another colour and pen first).
tmux -S "$sock" send-keys 2 +
mouse 0 10 3
mouse 32 20 6
mouse 32 30 9
mouse 3 30 9
wait_for "$tmp/watch.out" '^stroke seq=3 #e03030 8 '
pts=$(sed -n 's/^stroke seq=3 #e03030 8 //p' "$tmp/watch.out" | wc -w)
[ "$pts" -eq 3 ] || fail "the mouse stroke has $pts points, not 3"
wait_screen ' board tui | 3 strokes | 2 red | pen 8'

# Resized, it draws the board again at the new size.
before=$(widest)
tmux -S "$sock" resize-window -x 120 -y 36
i=0
until [ "$(screen | wc -l)" -eq 36 ] && [ "$(widest)" -gt "$before" ]; do
    i=$((i + 1)); [ $i -le 400 ] || fail "no redraw after the resize ($(widest) <= $before)"; sleep 0.05
done

# c clears the board, for everyone.
tmux -S "$sock" send-keys c
wait_for "$tmp/watch.out" '^clear seq=4$'
wait_screen ' board tui | 0 strokes'
[ "$(widest)" -eq 0 ] || fail "strokes left on the screen after the clear"

# q quits, with status 0.
tmux -S "$sock" send-keys q
i=0
until [ -s "$tmp/exit.out" ]; do
    i=$((i + 1)); [ $i -le 400 ] || fail "q did not quit"; sleep 0.05
done
grep -q '^exit 0$' "$tmp/exit.out" || fail "exit status: $(cat "$tmp/exit.out")"
echo ok
