# hv/: the kernel. Produces build/hv/hv.elf (ELF64, for debugging and
# symbols) and build/hv/hv.bin (the flat image every loader boots).

HV_C_SRCS := $(filter-out hv/arch/x86/asm_offsets.c,$(wildcard hv/*.c hv/lib/*.c hv/arch/x86/*.c))
HV_ASM_SRCS := hv/arch/x86/boot.asm hv/arch/x86/entry.asm hv/arch/x86/fastpath.asm \
    hv/arch/x86/vmx_entry.asm hv/arch/x86/trampoline_blob.asm
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

# Structure offsets for the assembler (asm_offsets.c): compiled to
# assembler text, each "->NAME value" line becomes "%define NAME value".
$(BUILD)/hv/offsets.inc: hv/arch/x86/asm_offsets.c
	@mkdir -p $(dir $@)
	@echo '  GEN   $@'
	@$(CC) $(HV_CFLAGS) -MT $@ -MF $(BUILD)/hv/offsets.d -S $< -o $(BUILD)/hv/asm_offsets.s
	@sed -n 's/.*"->\([A-Z0-9_]*\) \(-\{0,1\}[0-9][0-9]*\)".*/%define \1 \2/p' \
	    $(BUILD)/hv/asm_offsets.s > $@.tmp
	@test -s $@.tmp && mv $@.tmp $@

$(BUILD)/hv/arch/x86/fastpath.o $(BUILD)/hv/arch/x86/entry.o: $(BUILD)/hv/offsets.inc

$(BUILD)/hv/%.o: hv/%.asm
	@mkdir -p $(dir $@)
	@echo '  NASM  $<'
	@$(NASM) -f elf64 -w+all -Ihv/arch/x86/ -I$(BUILD)/hv/ $< -o $@

$(BUILD)/hv/hv.elf: $(HV_OBJS) hv/arch/x86/hv.ld
	$(LD) -n -nostdlib -z max-page-size=4096 -z noexecstack -T hv/arch/x86/hv.ld -o $@ $(HV_OBJS)

$(BUILD)/hv/hv.bin: $(BUILD)/hv/hv.elf
	$(OBJCOPY) -O binary $< $@

-include $(HV_OBJS:.o=.d) $(BUILD)/hv/offsets.d
