# tests/tools - shell-level tests of the command-line tools and the install.
TEST_SCRIPTS += tests/tools/test_install.sh
TEST_DEPS += $(BUILD)/bin/regsvr
