#!/bin/sh
# comidl end to end, from the repository root:
#  - golden header, _i.c, type-library dump and diagnostics for every
#    tests/idl/*.idl (tests/idl/golden/);
#  - every generated header compiles as C11 and as C++ with
#    -Wall -Wextra -Werror, and every _i.c as both;
#  - diagnostics (file:line:column, exit status) for tests/idl/errors/*.idl;
#  - a --skeleton compiles and links into a component with its embedded
#    type library, and --register/--unregister of a .tlb restore the registry.
# UPDATE_GOLDEN=1 rewrites the golden files instead of comparing: review
# `git diff tests/idl/golden` before committing them.
set -u
: "${BUILD:=build}"
comidl="$BUILD/bin/comidl"
tmp="${COMRT_TEST_TMP:-$(mktemp -d)}/idl"
mkdir -p "$tmp"
golden=tests/idl/golden
fail=0
CC=${CC:-cc}
CXX=${CXX:-c++}
WARN="-Wall -Wextra -Werror"
case "$BUILD" in *asan*) SAN="-fsanitize=address,undefined" ;; *tsan*) SAN="-fsanitize=thread" ;; *) SAN="" ;; esac

bad() { echo "FAIL: $*"; fail=1; }

compare() { # golden-file actual-file
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$2" "$1"
    elif ! diff -u "$1" "$2" >"$tmp/diff" 2>&1; then
        cat "$tmp/diff" | head -n 40
        bad "$2 differs from $1"
    fi
}

for idl in tests/idl/types.idl tests/idl/scripting.idl tests/idl/bits.idl tests/idl/imports.idl tests/idl/layout.idl; do
    n=$(basename "$idl" .idl)
    "$comidl" --header "$tmp/$n.h" --iid "$tmp/${n}_i.c" --tlb "$tmp/$n.tlb" "$idl" 2>"$tmp/$n.stderr" ||
        { cat "$tmp/$n.stderr"; bad "comidl $idl"; continue; }
    "$comidl" --dump "$tmp/$n.tlb" >"$tmp/$n.tlb.txt" || bad "comidl --dump $n.tlb"
    compare "$golden/$n.h" "$tmp/$n.h"
    compare "$golden/${n}_i.c" "$tmp/${n}_i.c"
    compare "$golden/$n.tlb.txt" "$tmp/$n.tlb.txt"
    compare "$golden/$n.stderr" "$tmp/$n.stderr"
    printf '#include "%s.h"\nint main(void) { return 0; }\n' "$n" >"$tmp/use_$n.c"
    $CC -std=c11 $WARN -Iruntime/include -I"$tmp" -fsyntax-only "$tmp/use_$n.c" || bad "$n.h as C11"
    $CXX -x c++ -std=c++17 $WARN -Iruntime/include -I"$tmp" -fsyntax-only "$tmp/use_$n.c" || bad "$n.h as C++"
    $CC -std=c11 $WARN -Iruntime/include -c "$tmp/${n}_i.c" -o "$tmp/${n}_i.o" || bad "${n}_i.c as C11"
    $CXX -x c++ -std=c++17 $WARN -Iruntime/include -c "$tmp/${n}_i.c" -o "$tmp/${n}_i.cpp.o" || bad "${n}_i.c as C++"
done

# Diagnostics: exact text and exit status (1 = errors in the input, 0 = warnings only).
for idl in tests/idl/errors/*.idl; do
    n=$(basename "$idl" .idl)
    "$comidl" -o "$tmp" "$idl" 2>"$tmp/err_$n.txt"
    echo "exit status $?" >>"$tmp/err_$n.txt"
    compare "tests/idl/errors/$n.err" "$tmp/err_$n.txt"
done

# The cpp path: -D reaches the preprocessor and line markers keep positions.
printf '#define T long\nimport "unknwn.idl";\n[object, uuid(5E2F1C3A-0000-4000-8000-0000000000A0)]\ninterface ICpp : IUnknown {\n    HRESULT M([in] T a, [in] VALUE_TYPE b);\n    HRESULT N([in] NOPE c);\n}\n' >"$tmp/cpp.idl"
"$comidl" -DVALUE_TYPE=short -o "$tmp" "$tmp/cpp.idl" 2>"$tmp/cpp.err" && bad "cpp.idl should fail"
grep -q "cpp.idl:6:.*unknown type 'NOPE'" "$tmp/cpp.err" || { cat "$tmp/cpp.err"; bad "cpp line markers"; }
sed -i '/NOPE/d' "$tmp/cpp.idl"
"$comidl" -DVALUE_TYPE=short -o "$tmp" "$tmp/cpp.idl" || bad "cpp.idl with -D"
grep -q "HRESULT (\*M)(ICpp \*This, LONG a, SHORT b);" "$tmp/cpp.h" || bad "cpp macros in cpp.h"

# Skeleton: a component that compiles, links without undefined symbols and registers.
"$comidl" --header "$tmp/scripting.h" --iid "$tmp/scripting_i.c" --tlb-c "$tmp/scripting_tlb.c" \
    --skeleton "$tmp/fso.c" --coclass FileSystemObject --skeleton-tlb tests/idl/scripting.idl 2>/dev/null ||
    bad "comidl --skeleton"
$CC -std=c11 $WARN $SAN -D_GNU_SOURCE -fPIC -shared -Iruntime/include -I"$tmp" -o "$tmp/libfso.so" \
    "$tmp/fso.c" "$tmp/scripting_i.c" "$tmp/scripting_tlb.c" -L"$BUILD/lib" -lcomrt -Wl,--no-undefined ||
    bad "skeleton component does not build"
if [ -x "$BUILD/bin/regsvr" ] && [ -f "$tmp/libfso.so" ]; then
    "$BUILD/bin/regsvr" "$tmp/libfso.so" >/dev/null || bad "regsvr of the skeleton"
    grep -q "Scripting.FileSystemObject" "$COMRT_REGISTRY" || bad "skeleton did not register its class"
    grep -qi "0AB5A3D0-E5B6-11D0-ABF5-00A0C90FFFC0" "$COMRT_REGISTRY" || bad "skeleton did not register its type library"
    "$comidl" --dump "$tmp/libfso.so" >"$tmp/fso.dump" || bad "comidl --dump of the embedding .so"
    cmp -s "$tmp/fso.dump" "$golden/scripting.tlb.txt" || bad "embedded library differs from scripting.tlb"
    "$BUILD/bin/regsvr" -u "$tmp/libfso.so" >/dev/null || bad "regsvr -u of the skeleton"
fi

# Stand-alone .tlb registration restores the registry exactly.
# (an absent file and one holding only its header are the same registry)
snapshot() { grep -v -e '^;' -e '^comrt-registry' "$COMRT_REGISTRY" 2>/dev/null >"$1" || :; }
snapshot "$tmp/reg.before"
"$comidl" --register "$tmp/bits.tlb" || bad "comidl --register"
grep -q "IBackgroundCopyManager" "$COMRT_REGISTRY" || bad "--register wrote nothing"
"$comidl" --unregister "$tmp/bits.tlb" || bad "comidl --unregister"
snapshot "$tmp/reg.after"
cmp -s "$tmp/reg.before" "$tmp/reg.after" || { diff "$tmp/reg.before" "$tmp/reg.after"; bad "--unregister left changes"; }

[ "$fail" = 0 ] && echo "comidl: all checks passed"
exit "$fail"
