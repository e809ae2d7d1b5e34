# tests/params - the parameter codec (marshal/params*.c): round trips through
# ffi_call, and hostile input. Internal symbols: linked to the static library.
define params_test
$(BUILD)/tests/params/$(1): $(call objs,tests/params/$(1).c) $(LIBA)
	@mkdir -p $$(@D)
	$$(LINK) -o $$@ $(call objs,tests/params/$(1).c) $(LIBA) $$(PKG_LIBS) $$(CHECK_LIBS) -ldl -lpthread
TEST_PROGS += $(BUILD)/tests/params/$(1)
endef
$(foreach t,test_params test_hostile,$(eval $(call params_test,$(t))))
# VARIANT and SAFEARRAY through the codec (marshal/params_variant.c).
$(eval $(call params_test,test_variant_params))
