# tests/apartment - apartments: STA delivery, callbacks during calls, STAs
# calling each other, the MTA under load, explicit marshaling, the message
# filter, ThreadingModel and class objects registered by an apartment
# (test_classobj). Uses oop.idl's interfaces (tests/oop/module.mk
# generates them) and the oop server for the cross-process cases.
# aptobj.c, the ICallback object and factory, is linked into libaptcomp.so
# and every test program; apttest.h holds what the programs share of Check.
$(BUILD)/obj/tests/apartment/%.o: CPPFLAGS += -I$(COMIDL_GEN)/tests/oop
$(BUILD)/obj/tests/apartment/test_apartment.o $(BUILD)/obj/tests/apartment/aptcomp.o \
    $(BUILD)/obj/tests/apartment/test_classobj.o $(BUILD)/obj/tests/apartment/test_queued_calls.o \
    $(BUILD)/obj/tests/apartment/aptobj.o: $(COMIDL_GEN)/tests/oop/oop.h
APTOBJ_OBJS := $(call objs,tests/apartment/aptobj.c) $(BUILD)/obj/$(COMIDL_GEN)/tests/oop/oop_i.o

$(BUILD)/tests/apartment/libaptcomp.so: $(call objs,tests/apartment/aptcomp.c) $(APTOBJ_OBJS) $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -shared -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH)

$(BUILD)/tests/apartment/test_apartment: $(call objs,tests/apartment/test_apartment.c) $(APTOBJ_OBJS) $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) $(CHECK_LIBS) -ldl -lpthread

$(BUILD)/tests/apartment/test_classobj: $(call objs,tests/apartment/test_classobj.c) $(APTOBJ_OBJS) $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) $(CHECK_LIBS) -ldl -lpthread

TEST_PROGS += $(BUILD)/tests/apartment/test_apartment $(BUILD)/tests/apartment/test_classobj

# Calls queued for a busy STA whose object is cut off before they run.
$(BUILD)/tests/apartment/test_queued_calls: $(call objs,tests/apartment/test_queued_calls.c) $(APTOBJ_OBJS) $(LIBSO)
	@mkdir -p $(@D)
	$(LINK) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lcomrt $(RPATH) $(CHECK_LIBS) -ldl -lpthread
TEST_PROGS += $(BUILD)/tests/apartment/test_queued_calls
TEST_DEPS += $(BUILD)/tests/apartment/libaptcomp.so $(BUILD)/tests/oop/oop-server $(BUILD)/bin/regsvr

TEST_SCRIPTS += tests/apartment/test_pollhost.sh
TEST_DEPS += $(BUILD)/examples/pollhost/pollhost $(BUILD)/examples/hello/hello-client
