# examples/calc - a component started from `comidl --skeleton`, built with the
# comidl make rules (idl/comidl.mk): calc.h, calc_i.c and calc_tlb.c are
# generated into $(BUILD)/gen/examples/calc; the component embeds its type
# library and registers it from DllRegisterServer.
CALC_DIR := $(BUILD)/examples/calc
CALC_GEN := $(COMIDL_GEN)/examples/calc
$(eval $(call component,$(CALC_DIR)/libcalc.so,examples/calc/calc.c $(CALC_GEN)/calc_i.c $(CALC_GEN)/calc_tlb.c))
$(eval $(call program,$(CALC_DIR)/calc-client,examples/calc/calc_client.c $(CALC_GEN)/calc_i.c))
# Generated headers must exist before the first compile (later, .d files track them).
$(call objs,examples/calc/calc.c examples/calc/calc_client.c): $(CALC_GEN)/calc.h
$(call objs,examples/calc/calc.c examples/calc/calc_client.c): private CPPFLAGS += -I$(CALC_GEN)
EXAMPLES += $(CALC_DIR)/libcalc.so $(CALC_DIR)/calc-client
