# tests/idl - comidl and the type-library runtime (docs/idl.md, docs/typelib.md).
#
#   test_typelib      Check: generated vtable/struct layout against the C
#                     compiler and comrt's hand-written headers, type-library
#                     round trip, lookups, malformed input, registration.
#   test_comidl.sh    golden header/_i.c/dump/diagnostics; every header
#                     compiled as C11 and C++; the skeleton compiled and linked.
# Regenerate goldens with `UPDATE_GOLDEN=1 make check` and review the diff.
IDL_TEST_GEN := $(BUILD)/gen/tests/idl
$(eval $(call check_test,$(BUILD)/tests/idl/test_typelib,tests/idl/test_typelib.c $(IDL_TEST_GEN)/layout_i.c $(IDL_TEST_GEN)/layout_tlb.c))
$(call objs,tests/idl/test_typelib.c): $(IDL_TEST_GEN)/layout.h
$(call objs,tests/idl/test_typelib.c): private CPPFLAGS += -I$(IDL_TEST_GEN) -DLAYOUT_TLB='"$(IDL_TEST_GEN)/layout.tlb"'
TEST_DEPS += $(IDL_TEST_GEN)/layout.tlb $(COMIDL)
TEST_SCRIPTS += tests/idl/test_comidl.sh
TEST_SCRIPTS += tests/idl/test_calc.sh
