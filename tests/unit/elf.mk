UNIT_TESTS += elf
unit_elf_SRCS := tests/unit/test_elf.c hv/elf.c
