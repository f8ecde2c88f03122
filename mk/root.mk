# lib/ (user runtime), root/ (the root task), servers/ (test servers, one
# ELF module each) and the boot configuration build/boot/bulkhead.dtb.
# The runtime shares the kernel's pure code (hv/lib/ string, format and
# SHA-256; hv/elf.c's ELF checks), compiled for ring 3.

USER_CFLAGS := -std=c11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
    -isystem $(GCC_INC) -Ihv/lib/include -Ihv -Ilib/include -Iinclude \
    -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -static \
    -fno-stack-protector -fno-asynchronous-unwind-tables -MMD -MP

ULIB_SRCS := lib/io.c lib/libc.c lib/ssp.c lib/srv.c lib/elf_load.c \
             hv/lib/string.c hv/lib/fmt.c hv/lib/sha256.c hv/elf.c
ULIB_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,$(ULIB_SRCS)) $(BUILD)/user/lib/crt0.o

$(BUILD)/user/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  UCC   $<'
	@$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/lib/crt0.o: lib/crt0.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 $< -o $@

$(BUILD)/lib/libbh.a: $(ULIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

# user_elf OUT, SOURCES, EXTRA_LIBS: links OUT against libbh.
define user_elf
$(1): $(patsubst %.c,$(BUILD)/user/%.o,$(2)) $(BUILD)/lib/libbh.a lib/user.ld
	@mkdir -p $$(dir $$@)
	$$(LD) -n -nostdlib -static -z max-page-size=4096 -z noexecstack -T lib/user.ld \
	    -o $$@ $(BUILD)/user/lib/crt0.o $(patsubst %.c,$(BUILD)/user/%.o,$(2)) $(3) $(BUILD)/lib/libbh.a
all: $(1)
endef

# user_prog NAME, SOURCES: links build/NAME/NAME.elf.
define user_prog
$(call user_elf,$(BUILD)/$(1)/$(1).elf,$(2),$(3))
endef

ROOT_SRCS := root/main.c root/rt.c root/t_syscall.c root/t_caps.c root/t_ipc.c root/t_sm.c root/t_fpu.c root/t_regs.c root/t_segbase.c root/t_irq.c \
             root/bench.c root/config.c root/measure.c root/servers.c root/t_servers.c root/t_vmx.c \
             root/t_vmx_vmm.c root/bench_vmx.c root/t_vtd.c root/t_devmem.c root/t_teardown.c \
             root/t_dbstep.c root/t_tlb.c
ROOT_ASM_OBJS := $(BUILD)/user/root/vmguests.o $(BUILD)/user/root/regs.o \
                 $(BUILD)/user/root/teardown.o
$(eval $(call user_prog,root,$(ROOT_SRCS),$(ROOT_ASM_OBJS) $(LIBFDT_A)))
$(BUILD)/root/root.elf: $(ROOT_ASM_OBJS)

# The tiny real-mode guests of root/t_vmx.c, the register IPC checks
# of root/t_regs.c, the victim PD's code of root/t_teardown.c.
$(ROOT_ASM_OBJS): $(BUILD)/user/root/%.o: root/%.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -w+all $< -o $@

# libfdt's headers for the configuration parser (see mk/config.mk).
$(BUILD)/user/root/config.o: USER_CFLAGS += -isystem $(FDT_USER_INC)
$(BUILD)/user/root/config.o $(BUILD)/user/root/servers.o: | $(FDT_USER_STAMP)

# Servers: servers/NAME/*.c -> build/servers/NAME.elf.
SERVER_NAMES := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard servers/*/*.c)))))
SERVER_ELFS := $(patsubst %,$(BUILD)/servers/%.elf,$(SERVER_NAMES))
$(foreach s,$(SERVER_NAMES),$(eval $(call user_elf,$(BUILD)/servers/$(s).elf,$(wildcard servers/$(s)/*.c))))

# The boot configuration with each module's real SHA-256 (root/mkconfig.sh).
BOOT_DTB := $(BUILD)/boot/bulkhead.dtb
$(BOOT_DTB): boot/bulkhead.dts root/mkconfig.sh $(SERVER_ELFS)
	@mkdir -p $(dir $@)
	sh root/mkconfig.sh boot/bulkhead.dts $(BUILD)/servers $@
all: $(BOOT_DTB)

# The system tests boot the servers too (mk/system.mk names hv and root).
systest smoke iso: $(SERVER_ELFS) $(BOOT_DTB)

-include $(ULIB_OBJS:.o=.d) $(patsubst %.c,$(BUILD)/user/%.d,$(ROOT_SRCS) $(wildcard servers/*/*.c))
