# vmm/: the per-guest VMM (build/vmm/vmm.elf) and the UART device-model
# server (build/vmm/uart.elf), each its own ELF boot module linked
# against the user runtime; the VM boot configurations
# build/boot/vms.dtb, build/boot/vms-faults.dtb and build/boot/bench.dtb
# (boot/vms*.dts and boot/bench.dts, with real digests of the modules
# they name: root/mkconfig.sh); and the host
# unit tests of the VMM's pure parts (`make vmm-unit`, part of `make unit`).

VMM_SRCS := $(filter-out vmm/test/%,$(wildcard vmm/*.c))
UART_SRCS := $(wildcard vmm/uart/*.c)
VMM_ELF := $(BUILD)/vmm/vmm.elf
UART_ELF := $(BUILD)/vmm/uart.elf
$(eval $(call user_elf,$(VMM_ELF),$(VMM_SRCS)))
$(eval $(call user_elf,$(UART_ELF),$(UART_SRCS)))

# Boot configurations for VMs: the modules they name live in build/vmm
# and build/guests. boot/bench.dts is make bench's (scripts/bench.sh).
VMS_DTS := $(wildcard boot/vms*.dts)
VMS_DTBS := $(patsubst boot/%.dts,$(BUILD)/boot/%.dtb,$(VMS_DTS))
BENCH_DTB := $(BUILD)/boot/bench.dtb
$(VMS_DTBS) $(BENCH_DTB): $(BUILD)/boot/%.dtb: boot/%.dts root/mkconfig.sh $(VMM_ELF) $(UART_ELF) $(GUEST_IMG)
	@mkdir -p $(dir $@)
	sh root/mkconfig.sh $< $(BUILD)/vmm:$(BUILD)/guests $@
all: $(VMS_DTBS) $(BENCH_DTB)
systest smoke iso: $(VMM_ELF) $(UART_ELF) $(VMS_DTBS)

# The passthrough configuration (tests/system/kvm-passthrough.t) names the
# PCI server too.
PT_DTB := $(BUILD)/boot/passthrough.dtb
$(PT_DTB): boot/passthrough.dts root/mkconfig.sh $(VMM_ELF) $(UART_ELF) $(GUEST_IMG) $(DRIVER_ELFS)
	@mkdir -p $(dir $@)
	sh root/mkconfig.sh $< $(BUILD)/vmm:$(BUILD)/guests:$(BUILD)/drivers $@
all: $(PT_DTB)
systest: $(PT_DTB)

# The configuration unit test also parses the VM configurations.
VMS_FIXTURES := $(patsubst boot/%.dts,$(BUILD)/tests/fixtures/config/%.dtb,$(VMS_DTS) boot/passthrough.dts)
$(VMS_FIXTURES): $(BUILD)/tests/fixtures/config/%.dtb: boot/%.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
$(BUILD)/tests/unit/config: $(VMS_FIXTURES)

# Host unit tests (cmocka, ASan, UBSan) of the pure parts.
VMM_UNIT := bus decode args gwalk devices uart vpci cpuid
VMM_UNIT_BINS := $(patsubst %,$(BUILD)/vmm/test/test_%,$(VMM_UNIT))
vmm_test_bus_SRCS := vmm/bus.c
vmm_test_decode_SRCS := vmm/decode.c
vmm_test_args_SRCS := vmm/args.c hv/lib/fmt.c
vmm_test_gwalk_SRCS := vmm/gwalk.c
vmm_test_devices_SRCS := vmm/pic.c vmm/pit.c vmm/rtc.c vmm/lapic.c
vmm_test_uart_SRCS := vmm/uart/uart16550.c
vmm_test_vpci_SRCS := vmm/vpci.c
vmm_test_cpuid_SRCS := vmm/cpuid.c
vmm_test_cpuid_CFLAGS := -DCPUID_HOST=fake_cpuid

define vmm_unit_rule
$(BUILD)/vmm/test/test_$(1): vmm/test/test_$(1).c $$(vmm_test_$(1)_SRCS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(HOST_CFLAGS) $$(vmm_test_$(1)_CFLAGS) -Ivmm -o $$@ $$^ $$(HOST_LDLIBS)
endef
$(foreach t,$(VMM_UNIT),$(eval $(call vmm_unit_rule,$(t))))

.PHONY: vmm-unit
vmm-unit: deps
	@$(MAKE) --no-print-directory $(VMM_UNIT_BINS)
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(VMM_UNIT_BINS)
unit: vmm-unit

-include $(patsubst %.c,$(BUILD)/user/%.d,$(VMM_SRCS) $(UART_SRCS))
