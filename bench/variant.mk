# bench/variant.mk - in-process codec throughput of a SAFEARRAY of VARIANTs
# next to a flat byte array (bench/bench_variant.c). Reaches the internal
# codec API, so it links the static library.
$(BUILD)/bench/bench_variant: $(call objs,bench/bench_variant.c) $(LIBA)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(call objs,bench/bench_variant.c) $(LIBA) $(PKG_LIBS) -ldl -lpthread
BENCH_PROGS += $(BUILD)/bench/bench_variant
