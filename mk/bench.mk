# make bench: performance figures, never part of the timed tests
# (scripts/bench.sh): the IPC and root-VMM exit tables from one Bochs
# boot, the real VMM's exit table (boot/bench.dts) from a second, and,
# where KVM works with VMX, the same guest under QEMU+KVM; then the
# user-space NVMe driver's table from QEMU TCG with the IOMMU
# (boot/drivers-bench.dts).
.PHONY: bench
bench:
	@$(MAKE) --no-print-directory deps DEPS_PROFILE=bench
	@$(MAKE) --no-print-directory $(BUILD)/hv/hv.bin $(BUILD)/root/root.elf $(BUILD)/servers/bench.elf \
	    $(VMM_ELF) $(UART_ELF) $(GUEST_IMG) $(GUEST_VMM_START) $(BENCH_DTB) \
	    $(DRIVER_ELFS) $(DRIVERS_BENCH_DTB)
	@bash scripts/bench.sh
