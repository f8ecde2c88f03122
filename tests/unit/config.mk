# Root task boot configuration (root/config.c) and measured start
# (root/measure.c), linked with the host's libfdt. The fixtures are .dts
# files compiled with dtc into $(BUILD)/tests/fixtures/config/ first.
UNIT_TESTS += config
LIBFDT_A ?= /usr/lib/x86_64-linux-gnu/libfdt.a
CONFIG_FIXTURE_DIR := $(BUILD)/tests/fixtures/config
CONFIG_FIXTURES := $(patsubst tests/fixtures/config/%.dts,$(CONFIG_FIXTURE_DIR)/%.dtb,\
                     $(wildcard tests/fixtures/config/*.dts)) $(CONFIG_FIXTURE_DIR)/bulkhead.dtb
unit_config_SRCS := tests/unit/test_config.c root/config.c root/measure.c \
                    hv/lib/fmt.c hv/lib/sha256.c $(LIBFDT_A)
unit_config_CFLAGS := -Iroot -DCONFIG_FIXTURE_DIR='"$(abspath $(CONFIG_FIXTURE_DIR))"'

$(BUILD)/tests/unit/config: $(CONFIG_FIXTURES)

$(CONFIG_FIXTURE_DIR)/%.dtb: tests/fixtures/config/%.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

$(CONFIG_FIXTURE_DIR)/bulkhead.dtb: boot/bulkhead.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
