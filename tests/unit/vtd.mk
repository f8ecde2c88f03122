UNIT_TESTS += vtd
unit_vtd_SRCS := tests/unit/test_vtd.c hv/arch/x86/vtd_hw.c hv/arch/x86/vtd_pt.c
unit_vtd_CFLAGS := -Ihv/arch/x86
