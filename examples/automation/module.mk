# examples/automation - a [dual] interface whose IDispatch comes from its type
# library (COMRT_DISPATCH_IMPL), served in-process (libautodemo.so) and by a
# local server (autodemo-server). autodemo.h, autodemo_i.c and autodemo_tlb.c
# are generated from autodemo.idl (idl/comidl.mk).
AUTODEMO_DIR := $(BUILD)/examples/automation
AUTODEMO_GEN := $(COMIDL_GEN)/examples/automation
AUTODEMO_IMPL := examples/automation/autodemo.c $(AUTODEMO_GEN)/autodemo_i.c $(AUTODEMO_GEN)/autodemo_tlb.c
$(eval $(call component,$(AUTODEMO_DIR)/libautodemo.so,$(AUTODEMO_IMPL)))
$(eval $(call program,$(AUTODEMO_DIR)/autodemo-server,examples/automation/autodemo_server.c $(AUTODEMO_IMPL)))
# Generated headers must exist before the first compile (later, .d files track them).
AUTODEMO_USERS := examples/automation/autodemo.c examples/automation/autodemo_server.c \
    tests/dispatch/test_dispatch.c bench/bench_dispatch.c
$(call objs,$(AUTODEMO_USERS)): $(AUTODEMO_GEN)/autodemo.h
$(call objs,$(AUTODEMO_USERS)): private CPPFLAGS += -I$(AUTODEMO_GEN)
EXAMPLES += $(AUTODEMO_DIR)/libautodemo.so $(AUTODEMO_DIR)/autodemo-server
