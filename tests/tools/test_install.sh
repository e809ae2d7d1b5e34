#!/bin/sh
# make install PREFIX=...: the library, headers, tools and comrt.pc land where
# promised, and a program built with `pkg-config --cflags --libs comrt`
# against the installed copy runs.
set -eu
: "${BUILD:=build}"
tmp=${COMRT_TEST_TMP:-$(mktemp -d)}
prefix="$tmp/prefix"
san=""
case "$BUILD" in
    *asan*) san="SANITIZE=1"; cflags_san="-fsanitize=address,undefined" ;;
    *tsan*) san="SANITIZE=thread"; cflags_san="-fsanitize=thread" ;;
    *) cflags_san="" ;;
esac
make -s --no-print-directory install PREFIX="$prefix" BUILD="$BUILD" $san >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; exit 1; }
for f in lib/libcomrt.so.0 lib/libcomrt.so lib/libcomrt.a include/comrt.h include/comrt/objbase.h \
         bin/regsvr lib/pkgconfig/comrt.pc; do
    [ -e "$prefix/$f" ] || { echo "missing $prefix/$f"; exit 1; }
done
cat >"$tmp/client.c" <<'EOC'
#include <comrt.h>
#include <stdio.h>
int main(void)
{
    GUID g;
    char s[CHARS_IN_GUID];
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) || FAILED(CoCreateGuid(&g)))
        return 1;
    StringFromGUID2(&g, s, sizeof s);
    IUnknown *u = NULL;
    HRESULT hr = CoCreateInstance(&g, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u);
    printf("%s %s\n", s, comrt_hresult_name(hr));
    CoUninitialize();
    return hr == REGDB_E_CLASSNOTREG ? 0 : 1;
}
EOC
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $cflags_san -o "$tmp/client" "$tmp/client.c" $(pkg-config --cflags --libs comrt)
out=$("$tmp/client")
echo "$out" | grep -q "REGDB_E_CLASSNOTREG" || { echo "unexpected: $out"; exit 1; }
# the installed program resolves the installed library
ldd "$tmp/client" | grep -q "$prefix/lib/libcomrt.so.0" || { ldd "$tmp/client"; exit 1; }
"$prefix/bin/regsvr" --help | grep -q usage
echo "install: ok"
