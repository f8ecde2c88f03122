# lib/ (user runtime) and root/ (the root task). The runtime shares the
# kernel's pure string and format code (hv/lib/), compiled for ring 3.

USER_CFLAGS := -std=c11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
    -isystem $(GCC_INC) -Ihv/lib/include -Ihv -Ilib/include -Iinclude \
    -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -static \
    -fno-stack-protector -fno-asynchronous-unwind-tables -MMD -MP

ULIB_SRCS := lib/io.c hv/lib/string.c hv/lib/fmt.c
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
	$(AR) rcs $@ $^

# user_prog NAME, SOURCES: links build/NAME/NAME.elf against libbh.
define user_prog
$(BUILD)/$(1)/$(1).elf: $(patsubst %.c,$(BUILD)/user/%.o,$(2)) $(BUILD)/lib/libbh.a lib/user.ld
	@mkdir -p $$(dir $$@)
	$$(LD) -n -nostdlib -static -z max-page-size=4096 -z noexecstack -T lib/user.ld \
	    -o $$@ $(BUILD)/user/lib/crt0.o $(patsubst %.c,$(BUILD)/user/%.o,$(2)) $(BUILD)/lib/libbh.a
all: $(BUILD)/$(1)/$(1).elf
endef

$(eval $(call user_prog,root,root/main.c root/rt.c root/t_syscall.c root/t_caps.c root/t_ipc.c root/t_sm.c root/bench.c))

-include $(ULIB_OBJS:.o=.d)
