/*
 * A decoder for the instructions a guest uses to reach MMIO: the MOV
 * forms between a general register (or an immediate) and memory (Intel
 * SDM Vol. 2B, MOV, MOVZX, MOVSX; Vol. 2A 2.1 for prefixes, ModR/M, SIB,
 * displacements and REX). An EPT violation gives the guest-physical
 * address and whether it was a read or a write, but not the register or
 * the instruction's length: the VMM reads the instruction bytes and asks
 * this decoder. Pure, unit-tested on the host (vmm/test/test_decode.c).
 *
 * Handled: 88, 89, 8A, 8B (MOV r/m <-> r), C6 /0, C7 /0 (MOV r/m, imm),
 * A0-A3 (MOV AL/eAX <-> moffs), 0F B6/B7 (MOVZX), 0F BE/BF (MOVSX), with
 * the 66, 67, segment, LOCK and REP prefixes and REX in 64-bit code.
 */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define INSN_MAX_LEN 15u

enum insn_kind { INSN_LOAD = 0, INSN_STORE = 1 };

struct insn {
    unsigned len;          /* bytes, prefixes included */
    enum insn_kind kind;
    unsigned width;        /* bytes of memory accessed: 1, 2, 4 or 8 */
    unsigned reg;          /* general register 0..15 (rax rcx rdx rbx rsp rbp rsi rdi r8..r15) */
    bool high8;            /* width 1: ah ch dh bh (reg is then 0..3) */
    bool imm_src;          /* store of imm rather than of reg */
    uint64_t imm;          /* already extended to width */
    unsigned reg_width;    /* load: bytes of reg written (> width for MOVZX/MOVSX) */
    bool sign;             /* load: sign-extend (MOVSX) */
};

/*
 * Decodes code[0..avail) as code of mode 16, 32 or 64 bits. Returns BH_OK
 * with *out; BH_ENOTSUP for an instruction that is none of the forms
 * above; BH_EFORMAT for one with a register operand where memory must be
 * (ModR/M mod 3), a reserved ModR/M reg field, or bytes that end (or run
 * past 15) before the instruction does; BH_EINVAL for a bad mode.
 */
enum bh_status decode_mov(const uint8_t *code, unsigned avail, unsigned mode, struct insn *out);

/* The value a store of in writes, from the register's full value. */
uint64_t insn_store_value(const struct insn *in, uint64_t regval);

/* The register's new full value after a load of in brought mem (the low
   width bytes): merged for 1- and 2-byte results, zero-extended for
   4-byte ones (as in 64-bit mode), extended by MOVZX/MOVSX. */
uint64_t insn_load_result(const struct insn *in, uint64_t regval, uint64_t mem);

#endif
