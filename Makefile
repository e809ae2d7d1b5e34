# comrt - top-level, non-recursive Makefile.
#
#   make              build libcomrt (.so and .a), tools and examples
#   make check        build and run the whole test suite
#   make check SANITIZE=1       the same under ASan + UBSan (build-asan/)
#   make check SANITIZE=thread  the same under TSan (build-tsan/)
#   make demo         build, register into a private registry and run the whiteboard demo
#   make demo-hello   the same for the hello component
#   make bench        run the benchmarks (bench/)
#   make fuzz         build the fuzz targets with clang/libFuzzer and run each briefly
#   make deps         install missing Debian packages (runs automatically)
#   make install PREFIX=/usr/local
#
# Each directory contributes a module.mk that appends to the variables below.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Keep generated sources (comidl outputs) between builds.
.SECONDARY:
.SUFFIXES:

PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?=

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(SANITIZE),thread)
BUILD ?= build-tsan
SAN_FLAGS := -fsanitize=thread
else ifeq ($(FUZZ),1)
BUILD ?= build-fuzz
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
else
BUILD ?= build
SAN_FLAGS :=
endif

CFLAGS ?= -O2 -g
WARNFLAGS := -std=c11 -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE -Iruntime/include
DEPFLAGS = -MMD -MP
# pkg-config is queried when a recipe runs, i.e. after the deps step.
PKG_CFLAGS = $(shell pkg-config --cflags libffi msgpack)
PKG_LIBS = $(shell pkg-config --libs libffi msgpack)
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

COMPILE = $(CC) $(WARNFLAGS) $(CFLAGS) $(SAN_FLAGS) $(CPPFLAGS) $(DEPFLAGS) -fPIC
LINK = $(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS)
# Programs live in build/bin, build/bench (../lib) or two levels down (../../lib).
RPATH = -Wl,-rpath,'$$ORIGIN/../lib:$$ORIGIN/../../lib'

LIBSO := $(BUILD)/lib/libcomrt.so
LIBA := $(BUILD)/lib/libcomrt.a
DEPS_STAMP := $(BUILD)/.deps-ok

# Appended to by module.mk files.
LIB_SRCS :=
BINS :=
COMPONENTS :=
EXAMPLES :=
TEST_PROGS :=
TEST_SCRIPTS :=
TEST_DEPS :=
BENCH_PROGS :=
FUZZ_TARGETS :=
INSTALL_HEADERS :=

# --- rules shared by the fragments -------------------------------------------

# Object files of ordinary code (programs, components, tests).
$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(COMPILE) $(PKG_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

# Object files of the library: hidden by default, COMRT_API exports.
$(BUILD)/libobj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(COMPILE) $(PKG_CFLAGS) -DCOMRT_BUILDING_LIBRARY -fvisibility=hidden -c $< -o $@

objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# $(call program,OUTPUT,SOURCES,EXTRA_LIBS): a program linked to libcomrt.so.
define program
$(1): $(call objs,$(2)) $(LIBSO)
	@mkdir -p $$(@D)
	$$(LINK) -o $$@ $(call objs,$(2)) -L$(BUILD)/lib -lcomrt $$(RPATH) $(3) -ldl -lpthread
endef

# $(call component,OUTPUT.so,SOURCES): an in-proc server library.
define component
$(1): $(call objs,$(2)) $(LIBSO)
	@mkdir -p $$(@D)
	$$(LINK) -shared -o $$@ $(call objs,$(2)) -L$(BUILD)/lib -lcomrt $$(RPATH)
endef

# $(call check_test,OUTPUT,SOURCES): a Check-based unit test binary.
define check_test
$(1): $(call objs,$(2)) $(LIBSO)
	@mkdir -p $$(@D)
	$$(LINK) -o $$@ $(call objs,$(2)) -L$(BUILD)/lib -lcomrt $$(RPATH) $$(CHECK_LIBS) -ldl -lpthread
TEST_PROGS += $(1)
endef

# --- fragments ---------------------------------------------------------------

include runtime/module.mk
include $(sort $(wildcard idl/module.mk marshal/module.mk tools/module.mk))
include $(sort $(wildcard examples/*/module.mk))
include $(sort $(wildcard tests/module.mk tests/*/module.mk))
include $(sort $(wildcard bench/*.mk))

# --- top-level targets -------------------------------------------------------

.PHONY: all deps check demo demo-hello bench fuzz install clean

all: $(LIBSO) $(LIBA) $(BINS) $(COMPONENTS) $(EXAMPLES)

$(DEPS_STAMP): tools/deps.sh
	@sh tools/deps.sh
	@mkdir -p $(@D) && touch $@

deps:
	@sh tools/deps.sh

check: all $(TEST_PROGS) $(TEST_DEPS)
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_PROGS) $(TEST_SCRIPTS)

demo: all
	@BUILD=$(BUILD) sh examples/whiteboard/demo.sh

demo-hello: all
	@BUILD=$(BUILD) sh examples/hello/demo.sh

bench: all $(BENCH_PROGS)
	@BUILD=$(BUILD) sh bench/run.sh $(BENCH_PROGS)

fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 CC=clang fuzz-run

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/comrt \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/comrt/idl
	install -m 0755 $(LIBSO_REAL) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libcomrt.so.0 $(DESTDIR)$(PREFIX)/lib/libcomrt.so
	install -m 0644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 runtime/include/comrt.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 runtime/include/comrt/*.h $(DESTDIR)$(PREFIX)/include/comrt/
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	$(INSTALL_EXTRA)
	sed -e 's|@PREFIX@|$(PREFIX)|g' runtime/comrt.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/comrt.pc

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
