# tests/tools - shell-level tests of the command-line tools.
TEST_SCRIPTS += tests/tools/test_regsvr.sh tests/tools/test_install.sh
TEST_DEPS += $(BUILD)/bin/regsvr $(EXAMPLES) $(BUILD)/tests/components/libtestcomp.so $(BUILD)/tests/components/libnogco.so
