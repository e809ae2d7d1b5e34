# tests/dispatch - ITypeLib/ITypeInfo, IDispatch from type information
# (in-proc and against autodemo-server) and comcall from the shell.
$(eval $(call check_test,$(BUILD)/tests/dispatch/test_dispatch,tests/dispatch/test_dispatch.c $(AUTODEMO_GEN)/autodemo_i.c))
TEST_SCRIPTS += tests/dispatch/test_comcall.sh
TEST_DEPS += $(BUILD)/bin/regsvr $(BUILD)/bin/comcall $(AUTODEMO_DIR)/libautodemo.so $(AUTODEMO_DIR)/autodemo-server
TEST_SCRIPTS += tests/dispatch/test_builtin_tlb.sh
