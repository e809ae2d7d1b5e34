# examples/whiteboard - the DCOM whiteboard (docs/whiteboard.md): a local
# server (whiteboard-server) keeping boards of opaque VARIANTs, the terminal
# client (whiteboard: ncurses, and scripted modes) and a chat client
# (wbchat) on the same server class. whiteboard.h, whiteboard_i.c and
# whiteboard_tlb.c are generated from whiteboard.idl (idl/comidl.mk).
WB_DIR := $(BUILD)/examples/whiteboard
WB_GEN := $(COMIDL_GEN)/examples/whiteboard
WB_IDL_SRCS := $(WB_GEN)/whiteboard_i.c $(WB_GEN)/whiteboard_tlb.c
WB_SERVER_SRCS := $(addprefix examples/whiteboard/,server_main.c session.c board.c fanout.c item.c)
# What every client links: the callback, sessions, the replica, strokes and their text and SVG forms.
WB_CLIENT_SRCS := $(addprefix examples/whiteboard/,sink.c session_client.c replica.c stroke.c textfmt.c svg.c) \
    $(WB_IDL_SRCS)
WB_TUI_SRCS := $(addprefix examples/whiteboard/,whiteboard.c headless.c tui.c canvas.c)
# ncurses: asked of pkg-config when the recipe runs (after the deps step).
WB_CURSES_CFLAGS = $(shell pkg-config --cflags ncursesw 2>/dev/null)
WB_CURSES_LIBS = $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)

$(eval $(call program,$(WB_DIR)/whiteboard-server,$(WB_SERVER_SRCS) $(WB_IDL_SRCS)))
$(eval $(call program,$(WB_DIR)/whiteboard,$(WB_TUI_SRCS) $(WB_CLIENT_SRCS),$$(WB_CURSES_LIBS) -lm))
$(eval $(call program,$(WB_DIR)/wbchat,examples/whiteboard/chat.c $(WB_CLIENT_SRCS)))

# Generated headers must exist before the first compile (later, .d files track them).
WB_USERS := $(WB_SERVER_SRCS) $(WB_CLIENT_SRCS) $(WB_TUI_SRCS) examples/whiteboard/chat.c
$(call objs,$(filter-out $(WB_IDL_SRCS),$(WB_USERS))): $(WB_GEN)/whiteboard.h
$(call objs,$(WB_USERS)): private CPPFLAGS += -I$(WB_GEN) -Iexamples/whiteboard
$(call objs,examples/whiteboard/tui.c): private CPPFLAGS += $(WB_CURSES_CFLAGS)
EXAMPLES += $(WB_DIR)/whiteboard-server $(WB_DIR)/whiteboard $(WB_DIR)/wbchat
