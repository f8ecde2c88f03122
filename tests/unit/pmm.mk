UNIT_TESTS += pmm
unit_pmm_SRCS := tests/unit/test_pmm.c hv/pmm.c
