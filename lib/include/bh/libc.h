/*
 * The C library functions user programs get beyond hv/lib/include/string.h
 * (lib/libc.c), and per-thread TLS for the stack protector (lib/ssp.c).
 * Enough for Debian's libfdt.a; same contracts as ISO C where named alike.
 */
#ifndef BH_LIBC_H
#define BH_LIBC_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

void *memchr(const void *s, int c, size_t n);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
/* ISO C strtoul without errno: overflow yields ULONG_MAX. */
unsigned long strtoul(const char *restrict s, char **restrict end, int base);

/*
 * Thread control block at %fs:0, laid out as the x86-64 System V TLS ABI
 * expects of its first words: code built with -fstack-protector (such as
 * libfdt.a) reads the canary at %fs:0x28.
 */
struct bh_tls {
    struct bh_tls *self;      /* %fs:0x00, the ABI's self pointer */
    uint64_t reserved[4];     /* %fs:0x08..0x27 (dtv, unused here) */
    uint64_t stack_guard;     /* %fs:0x28, the stack-protector canary */
    uint64_t pointer_guard;   /* %fs:0x30, reserved */
};
_Static_assert(__builtin_offsetof(struct bh_tls, stack_guard) == 0x28, "canary at %fs:0x28");

/*
 * Makes block (a struct bh_tls that outlives the thread, 16-byte aligned)
 * the calling thread's TLS: fills in the self pointer and a fresh canary,
 * then sets the FS base with WRFSBASE. Must run before any stack-protected
 * code; the kernel must have set CR4.FSGSBASE, or WRFSBASE raises #UD.
 * Returns BH_EINVAL for a NULL or misaligned block, BH_ENOTSUP if the CPU
 * lacks FSGSBASE (CPUID.(7,0):EBX bit 0).
 */
enum bh_status bh_tls_init(void *block);

/* Called by stack-protected code on a smashed canary: reports and exits. */
void __stack_chk_fail(void) __attribute__((noreturn));

#endif
