# tests/marshal - wire, transport and rendezvous (internal interfaces: static library).
define marshal_test
$(BUILD)/tests/marshal/$(1): $(call objs,tests/marshal/$(1).c) $(LIBA)
	@mkdir -p $$(@D)
	$$(LINK) -o $$@ $(call objs,tests/marshal/$(1).c) $(LIBA) $$(PKG_LIBS) $$(CHECK_LIBS) -ldl -lpthread
TEST_PROGS += $(BUILD)/tests/marshal/$(1)
endef
$(foreach t,test_frame test_rendezvous test_conn test_idmap,$(eval $(call marshal_test,$(t))))
$(eval $(call marshal_test,test_launch))
$(BUILD)/tests/marshal/fake_server: $(call objs,tests/marshal/fake_server.c) $(LIBA)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(call objs,tests/marshal/fake_server.c) $(LIBA) $(PKG_LIBS) -ldl -lpthread
TEST_DEPS += $(BUILD)/tests/marshal/fake_server
