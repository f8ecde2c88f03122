UNIT_TESTS += vmx
unit_vmx_SRCS := tests/unit/test_vmx.c hv/arch/x86/vmx_caps.c
unit_vmx_CFLAGS := -Ihv/arch/x86 -DVMX_HOST_TEST
