# tests/oop - out-of-process servers end to end: a real local server
# (oop-server) and a client suite. Headers, GUIDs and the embedded type
# library come from oop.idl through comidl (idl/comidl.mk).
OOP_GEN := $(COMIDL_GEN)/tests/oop
OOP_GEN_SRCS := $(OOP_GEN)/oop_i.c
$(BUILD)/obj/tests/oop/%.o: CPPFLAGS += -I$(OOP_GEN)
$(BUILD)/obj/tests/oop/oop_server.o $(BUILD)/obj/tests/oop/test_oop.o: $(OOP_GEN)/oop.h

# Generated C files compile like any other source, from the build tree.
$(BUILD)/obj/$(OOP_GEN)/%.o: $(OOP_GEN)/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(COMPILE) -I$(OOP_GEN) -c $< -o $@

$(BUILD)/tests/oop/oop-server: $(call objs,tests/oop/oop_server.c) $(BUILD)/obj/$(OOP_GEN)/oop_i.o \
        $(BUILD)/obj/$(OOP_GEN)/oop_tlb.o $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) -ldl -lpthread

$(BUILD)/tests/oop/test_oop: $(call objs,tests/oop/test_oop.c) $(BUILD)/obj/$(OOP_GEN)/oop_i.o $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) $(CHECK_LIBS) -ldl -lpthread

TEST_PROGS += $(BUILD)/tests/oop/test_oop
TEST_DEPS += $(BUILD)/tests/oop/oop-server $(BUILD)/bin/regsvr $(OOP_GEN)/oop.tlb $(COMIDL)

# Server lifetime (test_lifetime): idle exit after activations the server's
# sampling cannot see, and a leaving server's CO_E_SERVER_STOPPING. Its
# servers come from lifetime.idl (and oop.idl: the broker hands out an
# oop-server's IServer).
$(BUILD)/obj/tests/oop/lifetime_server.o $(BUILD)/obj/tests/oop/test_lifetime.o: $(OOP_GEN)/oop.h $(OOP_GEN)/lifetime.h

$(BUILD)/tests/oop/lifetime-server: $(call objs,tests/oop/lifetime_server.c) $(BUILD)/obj/$(OOP_GEN)/lifetime_i.o \
        $(BUILD)/obj/$(OOP_GEN)/lifetime_tlb.o $(BUILD)/obj/$(OOP_GEN)/oop_i.o $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) -ldl -lpthread

$(BUILD)/tests/oop/test_lifetime: $(call objs,tests/oop/test_lifetime.c) $(BUILD)/obj/$(OOP_GEN)/lifetime_i.o \
        $(BUILD)/obj/$(OOP_GEN)/oop_i.o $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) $(CHECK_LIBS) -ldl -lpthread

TEST_PROGS += $(BUILD)/tests/oop/test_lifetime
TEST_DEPS += $(BUILD)/tests/oop/lifetime-server
