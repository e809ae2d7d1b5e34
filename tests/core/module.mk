# tests/core - the COM library proper: GUIDs, errors, init, activation.
$(eval $(call check_test,$(BUILD)/tests/core/test_basics,tests/core/test_basics.c))
$(eval $(call check_test,$(BUILD)/tests/core/test_memstream,tests/core/test_memstream.c))
$(eval $(call check_test,$(BUILD)/tests/core/test_activation,tests/core/test_activation.c $(HELLO_GEN)/hello_i.c))
TEST_DEPS += $(BUILD)/bin/regsvr $(HELLO_DIR)/libhello.so
