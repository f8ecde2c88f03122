UNIT_TESTS += sha256
unit_sha256_SRCS := tests/unit/test_sha256.c hv/lib/sha256.c
unit_sha256_CFLAGS := -Ihv/lib
