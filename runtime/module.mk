# runtime/ - libcomrt: core objects, registry, loader, activation.
# Every .c below runtime/ and marshal/ is part of the library.
LIB_SRCS += $(sort $(wildcard runtime/*.c runtime/*/*.c marshal/*.c marshal/*/*.c))
LIB_OBJS = $(patsubst %.c,$(BUILD)/libobj/%.o,$(LIB_SRCS))
LIBSO_REAL := $(BUILD)/lib/libcomrt.so.0

$(LIBSO_REAL): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(LINK) -shared -Wl,-soname,libcomrt.so.0 -Wl,--no-undefined -o $@ $(LIB_OBJS) $(PKG_LIBS) -ldl -lpthread

$(LIBSO): $(LIBSO_REAL)
	ln -sf libcomrt.so.0 $@

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $(LIB_OBJS)
