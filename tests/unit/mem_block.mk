UNIT_TESTS += mem_block
unit_mem_block_SRCS := tests/unit/test_mem_block.c
unit_mem_block_CFLAGS := -Ihv
