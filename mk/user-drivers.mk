# drivers/: user-space drivers, one ELF boot module each
# (build/drivers/NAME.elf from drivers/NAME/*.c): the PCI server (pci),
# the NVMe driver (nvme) and the block client (blkclient), the e1000e
# driver (e1000e) and the network client (netclient); the boot
# configuration build/boot/drivers.dtb (boot/drivers.dts, with real
# digests: root/mkconfig.sh), and make bench's boot/drivers-bench.dts;
# and the host unit tests of the drivers'
# pure parts (`make drivers-unit`, part of `make unit`).

DRIVER_NAMES := pci nvme blkclient e1000e netclient
DRIVER_ELFS := $(patsubst %,$(BUILD)/drivers/%.elf,$(DRIVER_NAMES))
$(foreach d,$(DRIVER_NAMES),$(eval $(call user_elf,$(BUILD)/drivers/$(d).elf,$(filter-out drivers/$(d)/test/%,$(wildcard drivers/$(d)/*.c)))))

DRIVERS_DTB := $(BUILD)/boot/drivers.dtb
$(DRIVERS_DTB): boot/drivers.dts root/mkconfig.sh $(DRIVER_ELFS)
	@mkdir -p $(dir $@)
	sh root/mkconfig.sh $< $(BUILD)/drivers $@
all: $(DRIVERS_DTB)
systest smoke iso: $(DRIVER_ELFS) $(DRIVERS_DTB)

# make bench's driver table (boot/drivers-bench.dts).
DRIVERS_BENCH_DTB := $(BUILD)/boot/drivers-bench.dtb
$(DRIVERS_BENCH_DTB): boot/drivers-bench.dts root/mkconfig.sh $(DRIVER_ELFS)
	@mkdir -p $(dir $@)
	sh root/mkconfig.sh $< $(BUILD)/drivers $@
all: $(DRIVERS_BENCH_DTB)

# The configuration unit test parses this configuration too.
DRIVERS_FIXTURE := $(BUILD)/tests/fixtures/config/drivers.dtb
$(DRIVERS_FIXTURE): boot/drivers.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
$(BUILD)/tests/unit/config: $(DRIVERS_FIXTURE)

# Host unit tests (cmocka, ASan, UBSan) of the pure parts.
DRIVERS_UNIT := nvme/queue e1000e/ring netclient/pkt
DRIVERS_UNIT_BINS := $(foreach t,$(DRIVERS_UNIT),$(BUILD)/drivers/test/test_$(subst /,_,$(t)))
define drivers_unit_rule
$(BUILD)/drivers/test/test_$(subst /,_,$(1)): drivers/$(dir $(1))test/test_$(notdir $(1)).c drivers/$(1).c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(HOST_CFLAGS) -Idrivers/$(dir $(1)) -o $$@ $$^ $$(HOST_LDLIBS)
endef
$(foreach t,$(DRIVERS_UNIT),$(eval $(call drivers_unit_rule,$(t))))

.PHONY: drivers-unit
drivers-unit: deps
	@$(MAKE) --no-print-directory $(DRIVERS_UNIT_BINS)
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(DRIVERS_UNIT_BINS)
unit: drivers-unit

# (This file is named to sort after mk/root.mk, which defines user_elf.)
-include $(patsubst %.c,$(BUILD)/user/%.d,$(wildcard drivers/*/*.c))
