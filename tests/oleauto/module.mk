# tests/oleauto - BSTR, VARIANT (incl. the VariantChangeType matrix) and SAFEARRAY.
$(eval $(call check_test,$(BUILD)/tests/oleauto/test_bstr,tests/oleauto/test_bstr.c))
$(eval $(call check_test,$(BUILD)/tests/oleauto/test_variant,tests/oleauto/test_variant.c))
$(eval $(call check_test,$(BUILD)/tests/oleauto/test_safearray,tests/oleauto/test_safearray.c))
