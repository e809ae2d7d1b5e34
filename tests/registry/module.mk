# tests/registry - the registry file (runtime/registry/).
#
# The test programs use internal entry points (comrt_reg_generation, the
# parser, the writer's serializer) that libcomrt.so does not export, so they
# link the static library instead of going through check_test.
REG_TEST_DIR := $(BUILD)/tests/registry
REG_TESTS := $(addprefix $(REG_TEST_DIR)/,test_registry test_registry_parse test_registry_cache test_registry_procs)

$(REG_TESTS): $(REG_TEST_DIR)/%: $(BUILD)/obj/tests/registry/%.o $(LIBA)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< $(LIBA) $(PKG_LIBS) $(CHECK_LIBS) -ldl -lpthread

TEST_PROGS += $(REG_TESTS)

# The writer the multi-process tests start and kill.
$(eval $(call program,$(REG_TEST_DIR)/regwriter,tests/registry/regwriter.c))
TEST_DEPS += $(REG_TEST_DIR)/regwriter
