# bench/ - benchmarks; `make bench` runs them (bench/run.sh). Each links
# bench/benchutil.c, the helpers they share (clock, median, CHECK).
$(eval $(call program,$(BUILD)/bench/bench_inproc,bench/bench_inproc.c bench/benchutil.c $(HELLO_GEN)/hello_i.c))
BENCH_PROGS += $(BUILD)/bench/bench_inproc
# bench_oop: out-of-process calls against tests/oop's server (bench/bench_oop.c).
$(eval $(call program,$(BUILD)/bench/bench_oop,bench/bench_oop.c bench/rawpeer.c bench/benchutil.c $(OOP_GEN)/oop_i.c))
$(BUILD)/obj/bench/bench_oop.o: private CPPFLAGS += -I$(OOP_GEN)
$(BUILD)/obj/bench/bench_oop.o: $(OOP_GEN)/oop.h
$(BUILD)/bench/bench_oop: | $(BUILD)/tests/oop/oop-server $(OOP_GEN)/oop.tlb $(COMIDL)
BENCH_PROGS += $(BUILD)/bench/bench_oop
# bench_apartment: calls between apartments of one process next to direct and cross-process calls.
$(eval $(call program,$(BUILD)/bench/bench_apartment,bench/bench_apartment.c bench/benchutil.c $(OOP_GEN)/oop_i.c))
$(BUILD)/obj/bench/bench_apartment.o: private CPPFLAGS += -I$(OOP_GEN)
$(BUILD)/obj/bench/bench_apartment.o: $(OOP_GEN)/oop.h
$(BUILD)/bench/bench_apartment: | $(BUILD)/tests/oop/oop-server $(OOP_GEN)/oop.tlb $(COMIDL)
BENCH_PROGS += $(BUILD)/bench/bench_apartment
# bench_exports: a null call while the server has exported 1 vs 10,000 objects
# (bench/exports_callgrind.sh: the same in server instructions, under callgrind).
$(eval $(call program,$(BUILD)/bench/bench_exports,bench/bench_exports.c bench/benchutil.c $(OOP_GEN)/oop_i.c))
$(BUILD)/obj/bench/bench_exports.o: private CPPFLAGS += -I$(OOP_GEN)
$(BUILD)/obj/bench/bench_exports.o: $(OOP_GEN)/oop.h
$(BUILD)/bench/bench_exports: | $(BUILD)/tests/oop/oop-server $(OOP_GEN)/oop.tlb $(COMIDL)
BENCH_PROGS += $(BUILD)/bench/bench_exports
