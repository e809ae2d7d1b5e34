# marshal/ - the marshaler's sources are part of libcomrt (runtime/module.mk).
#
# marshal/builtin_tlb.c is generated from idl/include/comrt_builtin.idl and
# checked in (libcomrt must not need comidl, which links libcomrt, to
# build). Regenerate it after changing that file or what it imports:
#   make regen-builtin-tlb
# tests/dispatch/test_builtin_tlb.sh fails when the checked-in copy is stale.
BUILTIN_TLB_IDL := idl/include/comrt_builtin.idl

# $(call gen_builtin_tlb,OUTPUT.c): the command writing the C file.
gen_builtin_tlb = $(COMIDL) --no-cpp --tlb-c $(1).tmp $(BUILTIN_TLB_IDL) && \
    { echo '/* Generated from $(BUILTIN_TLB_IDL) by `make regen-builtin-tlb`: do not edit. */'; \
      sed -e 's/comrt_typelib_/comrt_builtin_tlb_/g' -e 's/visibility("default")/visibility("hidden")/g' $(1).tmp; } > $(1) && \
    rm -f $(1).tmp

.PHONY: regen-builtin-tlb
regen-builtin-tlb: $(COMIDL)
	$(call gen_builtin_tlb,marshal/builtin_tlb.c)

# Used by tests/dispatch/test_builtin_tlb.sh: the same output into BUILTIN_TLB_OUT.
.PHONY: builtin-tlb-check-gen
builtin-tlb-check-gen: $(COMIDL)
	@$(call gen_builtin_tlb,$(BUILTIN_TLB_OUT))
