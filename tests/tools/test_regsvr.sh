#!/bin/sh
# regsvr end to end: register, list, call, unregister (exactly what was
# added), --system scope, and one exit status + message per failure.
set -eu
: "${BUILD:=build}"
tmp=${COMRT_TEST_TMP:-$(mktemp -d)}
export COMRT_REGISTRY="$tmp/reg-tools"
regsvr="$BUILD/bin/regsvr"
hello="$BUILD/examples/hello/libhello.so"
client="$BUILD/examples/hello/hello-client"
fail() { echo "FAIL: $*"; exit 1; }

# expect STATUS PATTERN CMD...: CMD exits with STATUS and prints PATTERN (stdout+stderr)
expect() {
    want=$1; pattern=$2; shift 2
    set +e; out=$("$@" 2>&1); got=$?; set -e
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, want $want: $out"
    printf '%s' "$out" | grep -q -- "$pattern" || fail "'$*' output lacks '$pattern': $out"
}

# a pre-existing entry that registration must not disturb
"$regsvr" -s "$BUILD/tests/components/libtestcomp.so"
cp "$COMRT_REGISTRY" "$tmp/before"

expect 0 "DllRegisterServer in .*libhello.so succeeded" "$regsvr" "$hello"
expect 0 "Hello, shell!" "$client" shell Hello.Greeter
expect 0 "{46128505-8F24-47C1-A4CF-C2095C6B43AF}" "$regsvr" --list
expect 0 "Hello.Greeter.1" "$regsvr" --list
# silent: nothing on success
out=$("$regsvr" -s "$hello")
[ -z "$out" ] || fail "-s printed: $out"

expect 0 "DllUnregisterServer in .*succeeded" "$regsvr" -u "$hello"
cmp -s "$tmp/before" "$COMRT_REGISTRY" || { diff "$tmp/before" "$COMRT_REGISTRY"; fail "unregister left changes"; }
expect 1 "CO_E_CLASSSTRING" "$client" shell Hello.Greeter

# failures: each its own status and a message naming the cause
expect 2 "No such file" "$regsvr" "$tmp/missing.so"
echo "not a library" >"$tmp/notelf.so"
expect 2 "cannot load" "$regsvr" "$tmp/notelf.so"
expect 3 "does not export DllRegisterServer" "$regsvr" "$BUILD/tests/components/libnogco.so"
expect 1 "usage" "$regsvr"
expect 1 "unknown option" "$regsvr" --bogus
# a registry that cannot be written: the function's HRESULT in hex and words
mkdir -p "$tmp/ro"; touch "$tmp/ro/file"
COMRT_REGISTRY="$tmp/ro/file/registry" expect 4 "0x80040151 REGDB_E_WRITEREGDB" "$regsvr" "$hello"
# a malformed registry is refused with file:line
printf 'comrt-registry 1\n[CLSID\\{x}]\n@="unterminated\n' >"$tmp/bad"
COMRT_REGISTRY="$tmp/bad" expect 4 "$tmp/bad:3:" "$regsvr" "$hello"

# --exe runs PROGRAM -RegServer / -UnregServer and reports its status
cat >"$tmp/fake-server" <<'EOS'
#!/bin/sh
echo "$1 scope=${COMRT_REG_SCOPE:-user}" >>"$(dirname "$0")/exe.log"
[ "$1" = -RegServer ] || [ "$1" = -UnregServer ] || exit 9
EOS
chmod +x "$tmp/fake-server"
expect 0 "-RegServer succeeded" "$regsvr" --exe "$tmp/fake-server"
expect 0 "-UnregServer succeeded" "$regsvr" -u --system --exe "$tmp/fake-server"
grep -q -- "-RegServer scope=user" "$tmp/exe.log" || fail "exe log: $(cat "$tmp/exe.log")"
grep -q -- "-UnregServer scope=system" "$tmp/exe.log" || fail "exe log: $(cat "$tmp/exe.log")"
printf '#!/bin/sh\nexit 3\n' >"$tmp/bad-server"; chmod +x "$tmp/bad-server"
expect 4 "failed with exit status 3" "$regsvr" --exe "$tmp/bad-server"
expect 2 "cannot run" "$regsvr" --exe "$tmp/no-such-server"
echo "regsvr: all checks passed"
