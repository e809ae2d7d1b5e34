# bench/whiteboard.mk - the whiteboard server's fan-out latency (1, 10, 100
# clients) and sustained strokes/s (bench/bench_whiteboard.c). Listeners
# are this program re-run; it registers examples/whiteboard's server itself.
$(eval $(call program,$(BUILD)/bench/bench_whiteboard,bench/bench_whiteboard.c $(WB_CLIENT_SRCS)))
$(call objs,bench/bench_whiteboard.c): $(WB_GEN)/whiteboard.h
$(call objs,bench/bench_whiteboard.c): private CPPFLAGS += -I$(WB_GEN) -Iexamples/whiteboard
$(BUILD)/bench/bench_whiteboard: | $(WB_DIR)/whiteboard-server $(BUILD)/bin/regsvr
BENCH_PROGS += $(BUILD)/bench/bench_whiteboard
