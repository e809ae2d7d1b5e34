#!/bin/sh
# comcall against examples/automation from the shell: --describe, calls in
# process and in the local server, --json, bad names, bad arguments, and the
# exit status of every kind of failure. Runs under tests/run.sh (private
# registry in COMRT_REGISTRY).
set -u
: "${BUILD:=build}"
C="$BUILD/bin/comcall"
dir=$(cd "$BUILD/examples/automation" && pwd)
fails=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

"$BUILD/bin/regsvr" -s "$dir/libautodemo.so" || exit 1
"$BUILD/bin/regsvr" -s --exe "$dir/autodemo-server" || exit 1

# expect STATUS STDOUT-PATTERN STDERR-PATTERN -- comcall ARGS...
expect() {
    want=$1 opat=$2 epat=$3
    shift 4
    "$C" "$@" >"$out" 2>"$err"
    rc=$?
    if [ "$rc" -ne "$want" ] || { [ -n "$opat" ] && ! grep -qE -- "$opat" "$out"; } ||
        { [ -n "$epat" ] && ! grep -qE -- "$epat" "$err"; }; then
        echo "FAIL: comcall $* -> exit $rc (want $want)"
        sed 's/^/  out| /' "$out"
        sed 's/^/  err| /' "$err"
        fails=$((fails + 1))
    fi
}

# describe: from the registered type library
expect 0 'default interface IAutoDemo .*\(dual\)' '' -- --describe AutoDemo.Object
expect 0 'method Greet\(\[BSTR greeting = "Hello"\], \[LONG times = 1\]\) -> BSTR' '' -- --describe AutoDemo.Object
expect 0 'put +Name\(BSTR name\)' '' -- --describe '{5B0C6A2E-3D4F-4A1B-9E7C-2A6D8F1B3C10}'
expect 0 '"name": "Add", "kind": "method", "dispid": 3, "type": "LONG"' '' -- --json --describe AutoDemo.Object

for ctx in inproc local; do
    expect 0 '^5$' '' -- --context $ctx AutoDemo.Object Add 2 3
    expect 0 '^42$' '' -- --context $ctx AutoDemo.Object add 40 s:2
    expect 0 '^Hello world$' '' -- --context $ctx AutoDemo.Object Greet
    expect 0 '^Hi world Hi world$' '' -- --context $ctx AutoDemo.Object Greet times:=2 greeting:=Hi
    expect 0 '^Hello world Hello world$' '' -- --context $ctx AutoDemo.Object Greet @missing 2
    expect 0 '^7$' '' -- --context $ctx AutoDemo.Object Scale 3.5
    expect 0 '^false$' '' -- --context $ctx AutoDemo.Object Negate true
    expect 0 '^6.5$' '' -- --context $ctx AutoDemo.Object Sum '[1, 2, "3.5"]'
    expect 0 '^\{"result": \[1, 2, 3\]\}$' '' -- --json --context $ctx AutoDemo.Object Range 3
    expect 0 '^\{"result": "a b"\}$' '' -- --json --context $ctx AutoDemo.Object Echo '"a b"'
    expect 0 '^missing$' '' -- --context $ctx AutoDemo.Object Describe
    expect 0 '' '' -- --context $ctx AutoDemo.Object Name=Bob
    # bad names
    expect 4 '' '0x80020006 DISP_E_UNKNOWNNAME .*no member named .Frob.' -- --context $ctx AutoDemo.Object Frob
    expect 4 '' '0x80020006 DISP_E_UNKNOWNNAME' -- --context $ctx AutoDemo.Object Add nosuch:=1
    expect 4 '"name": "DISP_E_UNKNOWNNAME"' '' -- --json --context $ctx AutoDemo.Object Frob
    expect 4 '' '0x80020003 DISP_E_MEMBERNOTFOUND' -- --context $ctx AutoDemo.Object Count=3
    # bad arguments
    expect 1 '' '0x8002000E DISP_E_BADPARAMCOUNT' -- --context $ctx AutoDemo.Object Add 1 2 3
    expect 1 '' '0x8002000F DISP_E_PARAMNOTOPTIONAL' -- --context $ctx AutoDemo.Object Add @missing 2
    # errors raised by the object: its description reaches the caller
    expect 1 '' 'boom' -- --context $ctx AutoDemo.Object Fail boom
    expect 1 '"detail": "boom"' '' -- --json --context $ctx AutoDemo.Object Fail boom
done
# the argument at fault is named in process ([out] values of a failed call stay in the server)
expect 1 '' '0x80020005 DISP_E_TYPEMISMATCH \(Type mismatch\) at argument 0' -- --context inproc AutoDemo.Object Add x 1
expect 1 '"argument": 1' '' -- --json --context inproc AutoDemo.Object Add 1 x
expect 1 '' '0x80020005 DISP_E_TYPEMISMATCH' -- --context local AutoDemo.Object Add x 1
expect 1 '' '0x80004005 E_FAIL \(Unspecified error\): boom' -- --context inproc AutoDemo.Object Fail boom
# activation and usage failures
expect 3 '' '0x800401F3 CO_E_CLASSSTRING' -- No.Such.Class Add 1 2
expect 3 '' '0x80040154 REGDB_E_CLASSNOTREG' -- '{00000000-1111-2222-3333-444444444444}' Add
expect 3 '"hresult": "0x800401F3"' '' -- --json No.Such.Class Add
expect 2 '' 'usage' --
expect 2 '' 'usage' -- AutoDemo.Object
expect 2 '' 'unknown context' -- --context mars AutoDemo.Object Add 1 2
expect 2 '' 'unknown option' -- --frob AutoDemo.Object Add

echo "test_comcall: $fails failure(s)"
[ "$fails" -eq 0 ]
