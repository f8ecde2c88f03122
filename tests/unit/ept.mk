UNIT_TESTS += ept
unit_ept_SRCS := tests/unit/test_ept.c
unit_ept_CFLAGS := -Ihv/arch/x86
