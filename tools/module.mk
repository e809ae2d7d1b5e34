# tools/ - command-line tools installed with comrt.
$(eval $(call program,$(BUILD)/bin/regsvr,tools/regsvr.c))
BINS += $(BUILD)/bin/regsvr
# comcall: late-bound calls and descriptions of automation objects (docs/dispatch.md).
$(eval $(call program,$(BUILD)/bin/comcall,tools/comcall.c))
BINS += $(BUILD)/bin/comcall
