# Header dependencies of every user-space object (root/, servers/, lib/):
# without them a changed ABI header leaves stale objects behind.
-include $(shell find $(BUILD)/user -name '*.d' 2>/dev/null)
