# make bench: performance figures, never part of the timed tests.
.PHONY: bench
bench:
	@$(MAKE) --no-print-directory deps DEPS_PROFILE=bench
	@$(MAKE) --no-print-directory $(BUILD)/hv/hv.bin $(BUILD)/root/root.elf $(BUILD)/servers/bench.elf
	@bash scripts/bench.sh
