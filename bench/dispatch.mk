# bench_dispatch: IDispatch::Invoke vs the vtable call of the same method,
# in process (bench/bench_dispatch.c); links examples/automation's component.
$(eval $(call program,$(BUILD)/bench/bench_dispatch,bench/bench_dispatch.c bench/benchutil.c $(AUTODEMO_IMPL)))
BENCH_PROGS += $(BUILD)/bench/bench_dispatch
