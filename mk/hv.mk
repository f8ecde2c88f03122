# hv/: the kernel. Produces build/hv/hv.elf (ELF64, for debugging and
# symbols) and build/hv/hv.bin (the flat image every loader boots).

HV_C_SRCS := $(wildcard hv/*.c hv/lib/*.c hv/arch/x86/*.c)
HV_ASM_SRCS := hv/arch/x86/boot.asm hv/arch/x86/entry.asm hv/arch/x86/vmx_entry.asm hv/arch/x86/trampoline_blob.asm
HV_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(HV_C_SRCS)) $(patsubst %.asm,$(BUILD)/%.o,$(HV_ASM_SRCS))

all: $(BUILD)/hv/hv.bin

$(BUILD)/hv/%.o: hv/%.c
	@mkdir -p $(dir $@)
	@echo '  CC    $<'
	@$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/arch/x86/trampoline.bin: hv/arch/x86/trampoline.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin $< -o $@

$(BUILD)/hv/arch/x86/trampoline_blob.o: hv/arch/x86/trampoline_blob.asm $(BUILD)/hv/arch/x86/trampoline.bin
	$(NASM) -f elf64 -DTRAMPOLINE_BIN='"$(BUILD)/hv/arch/x86/trampoline.bin"' $< -o $@

$(BUILD)/hv/%.o: hv/%.asm
	@mkdir -p $(dir $@)
	@echo '  NASM  $<'
	@$(NASM) -f elf64 -w+all -Ihv/arch/x86/ $< -o $@

$(BUILD)/hv/hv.elf: $(HV_OBJS) hv/arch/x86/hv.ld
	$(LD) -n -nostdlib -z max-page-size=4096 -z noexecstack -T hv/arch/x86/hv.ld -o $@ $(HV_OBJS)

$(BUILD)/hv/hv.bin: $(BUILD)/hv/hv.elf
	$(OBJCOPY) -O binary $< $@

-include $(HV_OBJS:.o=.d)
