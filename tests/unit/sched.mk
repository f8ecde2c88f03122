UNIT_TESTS += sched
unit_sched_SRCS := tests/unit/test_sched.c hv/sched.c
