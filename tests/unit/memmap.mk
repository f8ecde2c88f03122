UNIT_TESTS += memmap
unit_memmap_SRCS := tests/unit/test_memmap.c hv/memmap.c
