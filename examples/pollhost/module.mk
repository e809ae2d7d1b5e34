# examples/pollhost - a local server whose objects live in an STA driven by
# its own poll() loop (docs/apartments.md). Serves the hello component.
POLLHOST := $(BUILD)/examples/pollhost/pollhost
$(eval $(call program,$(POLLHOST),examples/pollhost/pollhost.c $(HELLO_IMPL)))
$(call objs,examples/pollhost/pollhost.c): $(HELLO_GEN)/hello.h
$(call objs,examples/pollhost/pollhost.c): private CPPFLAGS += -I$(HELLO_GEN) -Iexamples/hello
EXAMPLES += $(POLLHOST)
