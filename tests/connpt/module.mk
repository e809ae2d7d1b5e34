# tests/connpt - connection points (comrt/connpt.h, docs/connection-points.md).
#
#   test_connpt          Check: comrt/ocidl.h against the IDL the marshaler
#                        uses, every method and error of the helper in-process
#   test_connpt_threads  Check: sinks calling back from inside the helper, and
#                        Advise/Unadvise/fire/enumeration from 8 threads
#   test_connpt_oop      Check: a client's sink advised on a source in a local
#                        server (connpt-server), events, Unadvise, enumerators
#                        and a SIGKILLed client, across processes
#
# events.h, events_i.c and events_tlb.c come from events.idl (idl/comidl.mk);
# comrt_builtin.tlb is idl/include/comrt_builtin.idl compiled the same way,
# i.e. what marshal/builtin_tlb.c holds (tests/dispatch/test_builtin_tlb.sh
# keeps those two equal).
CONNPT_GEN := $(COMIDL_GEN)/tests/connpt
CONNPT_BUILTIN_TLB := $(COMIDL_GEN)/idl/include/comrt_builtin.tlb
CONNPT_SRCS := tests/connpt/test_connpt.c tests/connpt/test_connpt_threads.c tests/connpt/test_connpt_oop.c \
    tests/connpt/connpt_server.c
$(call objs,$(CONNPT_SRCS)): $(CONNPT_GEN)/events.h
$(call objs,$(CONNPT_SRCS)): private CPPFLAGS += -I$(CONNPT_GEN)
$(call objs,tests/connpt/test_connpt.c): private CPPFLAGS += -DBUILTIN_TLB='"$(CONNPT_BUILTIN_TLB)"'

$(eval $(call check_test,$(BUILD)/tests/connpt/test_connpt,tests/connpt/test_connpt.c $(CONNPT_GEN)/events_i.c))
$(eval $(call check_test,$(BUILD)/tests/connpt/test_connpt_threads,tests/connpt/test_connpt_threads.c \
    $(CONNPT_GEN)/events_i.c))
$(eval $(call check_test,$(BUILD)/tests/connpt/test_connpt_oop,tests/connpt/test_connpt_oop.c \
    $(CONNPT_GEN)/events_i.c))
$(eval $(call program,$(BUILD)/tests/connpt/connpt-server,tests/connpt/connpt_server.c $(CONNPT_GEN)/events_i.c \
    $(CONNPT_GEN)/events_tlb.c))

TEST_DEPS += $(CONNPT_BUILTIN_TLB) $(BUILD)/tests/connpt/connpt-server $(BUILD)/bin/regsvr
