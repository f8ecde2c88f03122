# System tests, boot images, `make run` and dependency installation.
#   deps     install/check the Debian packages (scripts/deps.sh $(DEPS_PROFILE))
#   systest  every tests/system/*.t under prove (QEMU, GRUB, iPXE, Bochs, KVM)
#   smoke    one quick QEMU -kernel boot (tests/system/qemu-kernel.t)
#   check    unit + smoke: the fast inner loop
#   test     deps, all, unit, systest: what CI runs
#   iso      $(BUILD)/bulkhead.iso, a BIOS GRUB ISO (Multiboot2)
#   run      boot with the console here; PLATFORM=auto|kvm|qemu|bochs,
#            ARGS="..." adds kernel command-line options
# Logs of each system test: $(BUILD)/test-logs/NAME/.

.PHONY: deps systest smoke check test iso run

DEPS_PROFILE  ?= test
PLATFORM      ?= auto
ARGS          ?=
SYSTEST_JOBS  ?= 2
SYSTEST_TESTS ?= $(sort $(wildcard tests/system/*.t))
SYSTEM_IMAGES := $(BUILD)/hv/hv.bin $(BUILD)/root/root.elf

deps:
	@bash scripts/deps.sh $(DEPS_PROFILE)

systest: $(SYSTEM_IMAGES)
	prove -j$(SYSTEST_JOBS) --timer $(SYSTEST_TESTS)

smoke: $(SYSTEM_IMAGES)
	prove --timer tests/system/qemu-kernel.t

# Order matters: each step needs the one before (make -j must not reorder).
test:
	$(MAKE) deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) systest

check: unit
	$(MAKE) smoke

iso: $(BUILD)/bulkhead.iso
$(BUILD)/bulkhead.iso: $(SYSTEM_IMAGES) boot/grub.cfg scripts/mkiso.sh
	bash scripts/mkiso.sh -o $@ -k $(BUILD)/hv/hv.bin \
	    -c "$(strip serial=0x3f8,115200 exit=poweroff $(ARGS))" -m $(BUILD)/root/root.elf

# deps first (profile run), then the images, then boot.
run:
	@$(MAKE) --no-print-directory deps DEPS_PROFILE=run
	@$(MAKE) --no-print-directory all
	@bash scripts/run.sh $(PLATFORM) $(ARGS)
