# tests/whiteboard - the whiteboard example end to end (docs/whiteboard.md):
# test_whiteboard drives a real whiteboard-server with client processes
# (wbprobe, driven through probe.c); test_wbhelpers checks the client-side helpers in process;
# the scripts drive the real programs (whiteboard, wbchat, tmux).
WB_TEST_SRCS := tests/whiteboard/test_whiteboard.c tests/whiteboard/probe.c tests/whiteboard/wbprobe.c
$(eval $(call check_test,$(BUILD)/tests/whiteboard/test_whiteboard,tests/whiteboard/test_whiteboard.c \
    tests/whiteboard/probe.c $(WB_CLIENT_SRCS)))
$(eval $(call program,$(BUILD)/tests/whiteboard/wbprobe,tests/whiteboard/wbprobe.c tests/whiteboard/probe.c \
    $(WB_CLIENT_SRCS)))
$(eval $(call check_test,$(BUILD)/tests/whiteboard/test_wbhelpers,tests/whiteboard/test_wbhelpers.c \
    examples/whiteboard/canvas.c $(WB_CLIENT_SRCS)))
$(call objs,$(WB_TEST_SRCS) tests/whiteboard/test_wbhelpers.c): $(WB_GEN)/whiteboard.h
$(call objs,$(WB_TEST_SRCS) tests/whiteboard/test_wbhelpers.c): private CPPFLAGS += -I$(WB_GEN) -Iexamples/whiteboard
TEST_SCRIPTS += tests/whiteboard/test_clients.sh tests/whiteboard/test_tui.sh
TEST_DEPS += $(BUILD)/tests/whiteboard/wbprobe $(WB_DIR)/whiteboard-server $(WB_DIR)/whiteboard $(WB_DIR)/wbchat $(BUILD)/bin/regsvr
