# examples/hello - the smallest component, served in-process (libhello.so)
# and by a local server (hello-server), and its client. hello.h, hello_i.c
# and hello_tlb.c are generated from hello.idl (idl/comidl.mk).
HELLO_DIR := $(BUILD)/examples/hello
HELLO_GEN := $(COMIDL_GEN)/examples/hello
HELLO_IMPL := examples/hello/hello.c $(HELLO_GEN)/hello_i.c $(HELLO_GEN)/hello_tlb.c
$(eval $(call component,$(HELLO_DIR)/libhello.so,$(HELLO_IMPL)))
$(eval $(call program,$(HELLO_DIR)/hello-server,examples/hello/hello_server.c $(HELLO_IMPL)))
$(eval $(call program,$(HELLO_DIR)/hello-client,examples/hello/hello_client.c $(HELLO_GEN)/hello_i.c))
# Generated headers must exist before the first compile (later, .d files track them).
HELLO_USERS := examples/hello/hello.c examples/hello/hello_server.c examples/hello/hello_client.c \
    tests/components/testcomp.c tests/core/test_activation.c bench/bench_inproc.c
$(call objs,$(HELLO_USERS)): $(HELLO_GEN)/hello.h
$(call objs,$(HELLO_USERS)): private CPPFLAGS += -I$(HELLO_GEN)
EXAMPLES += $(HELLO_DIR)/libhello.so $(HELLO_DIR)/hello-server $(HELLO_DIR)/hello-client
