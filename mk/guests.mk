# guests/: the bare-metal test guest, build/guests/testguest.img: a raw
# disk image that a BIOS boots (sector 0 loads the rest) and that the
# per-guest VMM will copy whole to guest-physical 0x7c00 (guests/README.md).
# Also build/guests/vmm-start.bin, a 64 KiB QEMU -bios that starts the
# guest the way the VMM will (tests/system/guest-qemu.t), and the host
# unit test of the command-string parser (`make guest-unit`, part of
# `make unit`).

GUEST_DIR := guests/testguest
GUEST_OUT := $(BUILD)/guests/testguest
GUEST_IMG := $(BUILD)/guests/testguest.img
GUEST_ELF := $(BUILD)/guests/testguest.elf
GUEST_VMM_START := $(BUILD)/guests/vmm-start.bin

GUEST_CFLAGS := -std=c11 -O2 -g $(WARN) -Wconversion -m64 -ffreestanding -fno-builtin \
    -nostdinc -isystem $(GCC_INC) -mno-red-zone -mgeneral-regs-only -mcmodel=small \
    -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
    -fno-tree-loop-distribute-patterns -MMD -MP
GUEST_NASMFLAGS := -f elf64 -w+all -I$(GUEST_DIR)/
GUEST_LDFLAGS := -n -nostdlib -static -z noexecstack --no-warn-rwx-segments \
    -T $(GUEST_DIR)/testguest.ld

GUEST_C_SRCS := $(wildcard $(GUEST_DIR)/*.c)
GUEST_ASM_SRCS := $(wildcard $(GUEST_DIR)/*.asm)
GUEST_OBJS := $(patsubst $(GUEST_DIR)/%.c,$(GUEST_OUT)/%.o,$(GUEST_C_SRCS)) \
              $(patsubst $(GUEST_DIR)/%.asm,$(GUEST_OUT)/%.o,$(GUEST_ASM_SRCS))

all: $(GUEST_IMG) $(GUEST_VMM_START)
systest: $(GUEST_IMG) $(GUEST_VMM_START)

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo '  GCC   $<'
	@$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.asm $(GUEST_DIR)/layout.inc
	@mkdir -p $(dir $@)
	@echo '  GNASM $<'
	@$(NASM) $(GUEST_NASMFLAGS) $< -o $@

$(GUEST_ELF): $(GUEST_OBJS) $(GUEST_DIR)/testguest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)

# The flat image, padded with zeros to one whole cylinder of SeaBIOS's
# geometry for small disks (16 heads x 63 sectors = 516096 bytes): with
# fewer sectors than that it sees 0 cylinders and cannot boot the disk.
# The linker script keeps the payload well inside it.
GUEST_IMG_BYTES := 516096
$(GUEST_IMG): $(GUEST_ELF)
	$(OBJCOPY) -O binary $< $@
	truncate -s $(GUEST_IMG_BYTES) $@

$(GUEST_VMM_START): $(GUEST_DIR)/test/vmm-start.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin -w+all $< -o $@

# Host unit test of the pure command-string parser (cmocka, sanitised).
GUEST_UNIT := $(BUILD)/guests/test_cmdline
$(GUEST_UNIT): $(GUEST_DIR)/test/test_cmdline.c $(GUEST_DIR)/cmdline.c $(GUEST_DIR)/cmdline.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $(GUEST_DIR)/test/test_cmdline.c \
	    $(GUEST_DIR)/cmdline.c $(HOST_LDLIBS)

.PHONY: guest-unit
guest-unit: deps
	@$(MAKE) --no-print-directory $(GUEST_UNIT)
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(GUEST_UNIT)
unit: guest-unit

-include $(GUEST_OBJS:.o=.d)
