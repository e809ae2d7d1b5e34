# tools/ - command-line tools installed with comrt.
$(eval $(call program,$(BUILD)/bin/regsvr,tools/regsvr.c))
BINS += $(BUILD)/bin/regsvr
