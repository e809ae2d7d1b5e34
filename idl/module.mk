# idl/ - comidl, the IDL compiler (docs/idl.md), and the base IDL files
# user IDL imports (idl/include, installed to $(PREFIX)/share/comrt/idl).
COMIDL := $(BUILD)/bin/comidl
# Everything but the command line, shared with the parser's fuzz target.
COMIDL_CORE_SRCS := $(filter-out idl/main.c,$(sort $(wildcard idl/*.c)))
$(eval $(call program,$(COMIDL),$(COMIDL_CORE_SRCS) idl/main.c,$$(PKG_LIBS)))
BINS += $(COMIDL)

# Generated sources of comrt's own tests and examples: $(BUILD)/gen/<dir>/<name>.h ...
COMIDL_GEN := $(BUILD)/gen
COMIDL_DEP := $(COMIDL)
include idl/comidl.mk

# The fuzz target and its corpus replay link the compiler's objects.
COMIDL_CORE_OBJS = $(call objs,$(COMIDL_CORE_SRCS))
$(BUILD)/tests/fuzz/replay_idl $(BUILD)/fuzz/fuzz_idl: $(COMIDL_CORE_OBJS)
$(BUILD)/tests/fuzz/replay_idl $(BUILD)/fuzz/fuzz_idl: private LDFLAGS += $(COMIDL_CORE_OBJS)

# `make install` puts the base IDL files and the make rules where an
# installed comidl looks for them (PREFIX/share/comrt/idl).
INSTALL_EXTRA += install -m 0644 idl/include/*.idl idl/comidl.mk $(DESTDIR)$(PREFIX)/share/comrt/idl/;
