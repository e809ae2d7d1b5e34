#!/bin/sh
# Installs the Debian packages comrt needs when they are missing.
# Run by `make deps` and, once per build directory, by every build.
set -eu
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
have_pc libffi || need="$need libffi-dev"
have_pc msgpack || need="$need libmsgpack-dev"
have_pc check || need="$need check"
# the whiteboard example: its terminal client, and tmux for its demo and tests
have_pc ncursesw || need="$need libncurses-dev"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v cpp >/dev/null 2>&1 || need="$need cpp"
[ -n "$need" ] || exit 0
echo "comrt: installing missing packages:$need"
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "comrt: need root (or sudo) to install:$need" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $need
