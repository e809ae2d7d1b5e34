#!/bin/sh
# The demo: registers the hello component in a private registry - as an
# in-process library and as a local server - lists what is registered, and
# calls it both ways: in-process, then across processes (the server is
# started on demand and calls the client's listener back).
set -eu
: "${BUILD:=build}"
dir="$BUILD/demo"
mkdir -p "$dir"
export COMRT_REGISTRY="$(cd "$dir" && pwd)/registry"
export XDG_RUNTIME_DIR="$(cd "$dir" && pwd)/run"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
rm -f "$COMRT_REGISTRY"
echo "== registry: $COMRT_REGISTRY"
echo "== regsvr $BUILD/examples/hello/libhello.so"
"$BUILD/bin/regsvr" "$BUILD/examples/hello/libhello.so"
echo "== regsvr --exe $BUILD/examples/hello/hello-server"
"$BUILD/bin/regsvr" --exe "$BUILD/examples/hello/hello-server"
echo "== regsvr --list"
"$BUILD/bin/regsvr" --list
echo "== hello-client world Hello.Greeter        (in-process)"
"$BUILD/examples/hello/hello-client" world Hello.Greeter
echo "== hello-client --local comrt               (local server, started on demand)"
"$BUILD/examples/hello/hello-client" --local comrt
echo "== hello-client nobody No.Such.Class        (an error, on purpose)"
"$BUILD/examples/hello/hello-client" nobody No.Such.Class || true
echo "== the registry file"
cat "$COMRT_REGISTRY"
echo "== done. Try it yourself:"
echo "   COMRT_REGISTRY=$COMRT_REGISTRY XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR $BUILD/examples/hello/hello-client --local YourName"
