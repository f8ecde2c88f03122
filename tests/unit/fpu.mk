UNIT_TESTS += fpu
unit_fpu_SRCS := tests/unit/test_fpu.c
unit_fpu_CFLAGS := -Ihv/arch/x86
