/* exc: the guest's own IDT takes #UD, #DE, #BP, #PF and #GP, each handler
 * reports the vector, error code and RIP, and the guest carries on.
 * triple: a triple fault on purpose. */
#include "console.h"
#include "layout.h"
#include "tap.h"
#include "tests.h"
#include "trap.h"

/* probes.asm */
void probe_ud(void *unused);
void probe_de(void *unused);
void probe_bp(void *after);
void probe_read(void *addr_then_value);
__attribute__((noreturn)) void probe_triple(void);
extern char probe_ud_insn[], probe_de_insn[], probe_bp_insn[], probe_read_insn[];

#define NONCANONICAL_ADDR   0x8000000000000000ull

/* Runs FN(ARG), which must fault with VECTOR and ERROR at INSN. */
static void expect_fault(const char *what, void (*fn)(void *), void *arg,
                         uint64_t vector, uint64_t error, const char *insn)
{
    uint64_t before = catch_total();
    struct caught c = { 0 };
    int faulted = catch_run(fn, arg);

    catch_result(&c);
    tap(faulted && catch_total() == before + 1 && c.vector == vector && c.error == error &&
        c.rip == (uintptr_t)insn,
        "exc: %s caught: vector %lu, error 0x%lx, rip 0x%lx (the faulting instruction: %s); "
        "resumed", what, c.vector, c.error, c.rip, c.rip == (uintptr_t)insn ? "yes" : "no");
}

static void exc_bp(void)
{
    uint64_t before = catch_total();
    uint32_t after = 0;
    struct caught c = { 0 };
    int faulted = catch_run(probe_bp, &after);

    catch_result(&c);
    tap(!faulted && after == 1 && catch_total() == before + 1 && c.vector == 3 &&
        c.error == 0 && c.rip == (uintptr_t)probe_bp_insn + 1,
        "exc: #BP (int3) caught: vector %lu, error 0x%lx, rip 0x%lx (after the int3: %s); "
        "execution continued after it: %s", c.vector, c.error, c.rip,
        c.rip == (uintptr_t)probe_bp_insn + 1 ? "yes" : "no", after ? "yes" : "no");
}

/* SDM vol. 3A 4.7: a supervisor data read of a non-present page gives
 * error code 0 and CR2 = the address. */
static void exc_pf(void)
{
    uint64_t v = UNMAPPED_ADDR;
    uint64_t before = catch_total();
    struct caught c = { 0 };
    int faulted = catch_run(probe_read, &v);

    catch_result(&c);
    tap(faulted && catch_total() == before + 1 && c.vector == 14 && c.error == 0 &&
        c.cr2 == UNMAPPED_ADDR && c.rip == (uintptr_t)probe_read_insn,
        "exc: #PF (read of non-present 0x%llx) caught: vector %lu, error 0x%lx, cr2 0x%lx, "
        "rip 0x%lx; resumed", UNMAPPED_ADDR, c.vector, c.error, c.cr2, c.rip);
}

void t_exc(void)
{
    uint64_t noncanonical = NONCANONICAL_ADDR;

    expect_fault("#UD (ud2)", probe_ud, NULL, 6, 0, probe_ud_insn);
    expect_fault("#DE (div by 0)", probe_de, NULL, 0, 0, probe_de_insn);
    exc_bp();
    exc_pf();
    expect_fault("#GP (read of non-canonical 0x8000000000000000)", probe_read, &noncanonical,
                 13, 0, probe_read_insn);
}

void t_triple(void)
{
    con_printf("# triple: empty IDT, then ud2: a triple fault; nothing follows\n");
    con_flush();
    probe_triple();
}
