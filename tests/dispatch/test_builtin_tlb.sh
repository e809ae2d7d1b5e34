#!/bin/sh
# marshal/builtin_tlb.c is checked in, generated from
# idl/include/comrt_builtin.idl: regenerating it with the current comidl must
# give identical bytes (else run `make regen-builtin-tlb` and commit).
set -u
: "${BUILD:=build}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make --no-print-directory -s BUILD="$BUILD" BUILTIN_TLB_OUT="$tmp/builtin_tlb.c" builtin-tlb-check-gen || exit 1
if ! cmp -s "$tmp/builtin_tlb.c" marshal/builtin_tlb.c; then
    echo "marshal/builtin_tlb.c is stale: run 'make regen-builtin-tlb'"
    diff "$tmp/builtin_tlb.c" marshal/builtin_tlb.c | head -20
    exit 1
fi
echo "marshal/builtin_tlb.c is current"
