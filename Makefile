# Bulkhead top-level build. `make` builds everything into build/.
# Targets: all, test, check (fast inner loop), unit, unit-build, systest,
# smoke, run, iso, deps, clean (the system ones are in mk/system.mk).
# Fragments: mk/*.mk (build pieces), tests/unit/*.mk (one per unit test).

BUILD    ?= build
CC       ?= gcc
NASM     ?= nasm
LD       ?= ld
OBJCOPY  ?= objcopy

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wundef -Wvla
GCC_INC  := $(shell $(CC) -print-file-name=include)

# Kernel: freestanding, no red zone, no SSE, higher half.
HV_CFLAGS := -std=c11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
    -isystem $(GCC_INC) -Ihv/lib/include -Ihv -Ihv/arch/x86 -Iinclude \
    -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie \
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
    -MMD -MP

# Host unit tests: hosted, sanitised.
HOST_CFLAGS := -std=c11 -O1 -g $(WARN) -Ihv -Iinclude -Ilib/include \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -D_DEFAULT_SOURCE -MMD -MP
HOST_LDLIBS := -lcmocka

.PHONY: all clean test check unit unit-build systest run deps
all:
deps:   # recipe in mk/system.mk (installs missing Debian packages)

include $(sort $(wildcard mk/*.mk))

# ---- host unit tests ---------------------------------------------------
# Each tests/unit/NAME.mk adds NAME to UNIT_TESTS and sets
# unit_NAME_SRCS (test file plus the code under test).
UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))

define unit_rule
$(BUILD)/tests/unit/$(1): $$(unit_$(1)_SRCS) | $(BUILD)/tests/unit
	$$(CC) $$(HOST_CFLAGS) $$(unit_$(1)_CFLAGS) -o $$@ $$(unit_$(1)_SRCS) $$(HOST_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))
UNIT_BINS := $(addprefix $(BUILD)/tests/unit/,$(UNIT_TESTS))

$(BUILD)/tests/unit:
	mkdir -p $@

# deps first: on a fresh machine cmocka is installed before anything compiles.
unit-build: $(UNIT_BINS)
unit: deps
	@$(MAKE) --no-print-directory unit-build
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_BINS)

clean:
	rm -rf $(BUILD)
