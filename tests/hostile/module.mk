# tests/hostile - hostile peers against a real local server (oop-server):
# malformed, truncated, oversized and lying frames over raw sockets while a
# well-behaved client keeps calling. Links the static library (for the
# rendezvous lookup) and the oop GUIDs generated from tests/oop/oop.idl.
HOSTILE_GEN := $(COMIDL_GEN)/tests/oop
$(BUILD)/obj/tests/hostile/%.o: CPPFLAGS += -I$(HOSTILE_GEN)
$(BUILD)/obj/tests/hostile/test_hostile_server.o: $(HOSTILE_GEN)/oop.h

$(BUILD)/tests/hostile/test_hostile_server: $(call objs,tests/hostile/test_hostile_server.c) \
        $(BUILD)/obj/$(HOSTILE_GEN)/oop_i.o $(LIBA)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) $(LIBA) $(PKG_LIBS) $(CHECK_LIBS) -ldl -lpthread

TEST_PROGS += $(BUILD)/tests/hostile/test_hostile_server
TEST_DEPS += $(BUILD)/tests/oop/oop-server $(BUILD)/bin/regsvr $(HOSTILE_GEN)/oop.tlb $(COMIDL)
