#!/bin/sh
# examples/calc, the component made from `comidl --skeleton`: DllRegisterServer
# registers the class and the embedded type library, the client's calls
# work, and DllUnregisterServer takes the type library keys away again.
set -eu
: "${BUILD:=build}"
dir="$BUILD/examples/calc"
"$BUILD/bin/regsvr" "$dir/libcalc.so" >/dev/null
out=$("$dir/calc-client" 100 7)
echo "$out"
echo "$out" | grep -qx "100 multiply 7 = 700"
echo "$out" | grep -qx "memory = 113"
grep -qi "3F1A0C52-6B1D-4E0A-9C55-0D6C3A9B7EFF" "$COMRT_REGISTRY"   # TypeLib\{libid}
grep -q "ICalculator" "$COMRT_REGISTRY"                            # Interface\{iid} @
grep -q "linux64" "$COMRT_REGISTRY"
"$BUILD/bin/comidl" --dump "$dir/libcalc.so" | grep -q "interface IMemory"
"$BUILD/bin/regsvr" -u "$dir/libcalc.so" >/dev/null
if grep -qi -e "3F1A0C52-6B1D-4E0A-9C55-0D6C3A9B7E" -e "TypeLib" -e "Interface" "$COMRT_REGISTRY"; then
    echo "unregistration left keys behind:"; cat "$COMRT_REGISTRY"; exit 1
fi
