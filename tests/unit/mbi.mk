UNIT_TESTS += mbi
unit_mbi_SRCS := tests/unit/test_mbi.c hv/mbi.c hv/cmdline.c
