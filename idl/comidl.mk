# comidl.mk - make rules that build C headers, GUID files and type libraries
# from IDL files with comidl (docs/idl.md). Installed to
# $(PREFIX)/share/comrt/idl/comidl.mk; comrt's own tree includes it from
# idl/module.mk.
#
# Set before including (all optional):
#   COMIDL        the compiler (default: comidl from PATH)
#   COMIDL_DEP    a prerequisite that forces regeneration (in-tree: the compiler binary)
#   COMIDL_GEN    where generated files go (default: gen)
#   COMIDL_FLAGS  extra comidl flags (-I DIR, -D NAME ...)
#
# For every dir/foo.idl these targets exist:
#   $(COMIDL_GEN)/dir/foo.h      the C header        (any IDL file)
#   $(COMIDL_GEN)/dir/foo_i.c    the GUID definitions
#   $(COMIDL_GEN)/dir/foo.tlb    the type library    (needs a library block)
#   $(COMIDL_GEN)/dir/foo_tlb.c  the same as a C array to link into a component
# Dependencies on imported IDL files are tracked through depfiles
# ($(COMIDL_GEN)/dir/foo.idl.d). Example:
#
#   include $(shell pkg-config --variable=prefix comrt)/share/comrt/idl/comidl.mk
#   calc.o: gen/calc.h
#   libcalc.so: calc.o gen/calc_i.o gen/calc_tlb.o
COMIDL ?= comidl
COMIDL_GEN ?= gen

$(COMIDL_GEN)/%.h $(COMIDL_GEN)/%_i.c: %.idl $(COMIDL_DEP)
	@mkdir -p $(@D)
	$(COMIDL) $(COMIDL_FLAGS) --header $(COMIDL_GEN)/$*.h --iid $(COMIDL_GEN)/$*_i.c \
	    --depfile $(COMIDL_GEN)/$*.idl.d $<

$(COMIDL_GEN)/%.tlb $(COMIDL_GEN)/%_tlb.c: %.idl $(COMIDL_DEP)
	@mkdir -p $(@D)
	$(COMIDL) $(COMIDL_FLAGS) --tlb $(COMIDL_GEN)/$*.tlb --tlb-c $(COMIDL_GEN)/$*_tlb.c \
	    --depfile $(COMIDL_GEN)/$*.tlb.d $<

-include $(shell find $(COMIDL_GEN) -name '*.idl.d' -o -name '*.tlb.d' 2>/dev/null)
