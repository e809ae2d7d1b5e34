# tests/fuzz - fuzz targets (fuzz_NAME.c defines LLVMFuzzerTestOneInput) and
# their corpora (corpus/NAME/). `make check` replays every corpus with a
# plain build; `make fuzz` builds with clang + libFuzzer and fuzzes each
# target for FUZZ_SECONDS.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 20

# Replay drivers link the static library: fuzz targets reach internal decoders.
define fuzz_replay
$(BUILD)/tests/fuzz/replay_$(1): $(call objs,tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c) $(LIBA)
	@mkdir -p $$(@D)
	$$(LINK) -o $$@ $(call objs,tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c) $(LIBA) $$(PKG_LIBS) -ldl -lpthread
TEST_DEPS += $(BUILD)/tests/fuzz/replay_$(1)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_replay,$(n))))
ifneq ($(FUZZ_NAMES),)
TEST_SCRIPTS += tests/fuzz/test_replay.sh
endif

define fuzz_target
$(BUILD)/fuzz/fuzz_$(1): $(call objs,tests/fuzz/fuzz_$(1).c) $(LIBA)
	@mkdir -p $$(@D)
	$$(LINK) -fsanitize=fuzzer -o $$@ $(call objs,tests/fuzz/fuzz_$(1).c) $(LIBA) $$(PKG_LIBS) -ldl -lpthread
FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_$(1)
endef
ifeq ($(FUZZ),1)
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_target,$(n))))
endif

.PHONY: fuzz-run
fuzz-run: $(FUZZ_TARGETS)
	@set -e; for n in $(FUZZ_NAMES); do \
	    work=$$(mktemp -d); cp -r tests/fuzz/corpus/$$n/. $$work/ 2>/dev/null || true; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 \
	        -print_final_stats=0 $$work >$$work.log 2>&1 || { tail -n 60 $$work.log; rm -rf $$work $$work.log; exit 1; }; \
	    tail -n 1 $$work.log; rm -rf $$work $$work.log; \
	done
