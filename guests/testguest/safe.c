/* Faulting instructions wrapped in catch_run() (trap.h). */
#include "safe.h"
#include "x86.h"

struct op {
    uint64_t addr, val;
    uint32_t msr;
    unsigned width;
};

static void do_rdmsr(void *arg)
{
    struct op *op = arg;
    op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *arg)
{
    struct op *op = arg;
    wrmsr(op->msr, op->val);
}

static void do_load(void *arg)
{
    struct op *op = arg;
    uintptr_t a = (uintptr_t)op->addr;

    switch (op->width) {
    case 1: op->val = *(volatile uint8_t *)a; break;
    case 2: op->val = *(volatile uint16_t *)a; break;
    case 4: op->val = *(volatile uint32_t *)a; break;
    default: op->val = *(volatile uint64_t *)a; break;
    }
}

static void do_store(void *arg)
{
    struct op *op = arg;
    uintptr_t a = (uintptr_t)op->addr;

    switch (op->width) {
    case 1: *(volatile uint8_t *)a = (uint8_t)op->val; break;
    case 2: *(volatile uint16_t *)a = (uint16_t)op->val; break;
    case 4: *(volatile uint32_t *)a = (uint32_t)op->val; break;
    default: *(volatile uint64_t *)a = op->val; break;
    }
}

static void do_in(void *arg)
{
    struct op *op = arg;
    uint16_t port = (uint16_t)op->addr;

    switch (op->width) {
    case 1: op->val = inb(port); break;
    case 2: op->val = inw(port); break;
    default: op->val = inl(port); break;
    }
}

static void do_out(void *arg)
{
    struct op *op = arg;
    uint16_t port = (uint16_t)op->addr;

    switch (op->width) {
    case 1: outb(port, (uint8_t)op->val); break;
    case 2: outw(port, (uint16_t)op->val); break;
    default: outl(port, (uint32_t)op->val); break;
    }
}

static bool run(void (*fn)(void *), struct op *op, struct caught *seen)
{
    if (catch_run(fn, op) == 0)
        return true;
    if (seen)
        catch_result(seen);
    return false;
}

bool safe_rdmsr(uint32_t msr, uint64_t *val, struct caught *seen)
{
    struct op op = { .msr = msr };
    bool ok = run(do_rdmsr, &op, seen);

    *val = ok ? op.val : 0;
    return ok;
}

bool safe_wrmsr(uint32_t msr, uint64_t val, struct caught *seen)
{
    struct op op = { .msr = msr, .val = val };
    return run(do_wrmsr, &op, seen);
}

bool safe_load(uint64_t addr, unsigned width, uint64_t *val, struct caught *seen)
{
    struct op op = { .addr = addr, .width = width };
    bool ok = run(do_load, &op, seen);

    *val = ok ? op.val : 0;
    return ok;
}

bool safe_store(uint64_t addr, unsigned width, uint64_t val, struct caught *seen)
{
    struct op op = { .addr = addr, .width = width, .val = val };
    return run(do_store, &op, seen);
}

bool safe_in(uint16_t port, unsigned width, uint32_t *val, struct caught *seen)
{
    struct op op = { .addr = port, .width = width };
    bool ok = run(do_in, &op, seen);

    *val = ok ? (uint32_t)op.val : 0;
    return ok;
}

bool safe_out(uint16_t port, unsigned width, uint32_t val, struct caught *seen)
{
    struct op op = { .addr = port, .width = width, .val = val };
    return run(do_out, &op, seen);
}
