UNIT_TESTS += cmdline
unit_cmdline_SRCS := tests/unit/test_cmdline.c hv/cmdline.c
