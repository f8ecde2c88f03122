UNIT_TESTS += cap
unit_cap_SRCS := tests/unit/test_cap.c hv/cap.c
