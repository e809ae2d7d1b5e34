# tests/components - component libraries used by the tests.
TESTCOMP_DIR := $(BUILD)/tests/components
$(eval $(call component,$(TESTCOMP_DIR)/libtestcomp.so,tests/components/testcomp.c $(HELLO_GEN)/hello_i.c))
$(eval $(call component,$(TESTCOMP_DIR)/libnogco.so,tests/components/nogco.c))
TEST_DEPS += $(TESTCOMP_DIR)/libtestcomp.so $(TESTCOMP_DIR)/libnogco.so
