UNIT_TESTS += fmt
unit_fmt_SRCS := tests/unit/test_fmt.c hv/lib/fmt.c
