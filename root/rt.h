/* Small helpers shared by the root task's in-system tests. */
#ifndef ROOT_RT_H
#define ROOT_RT_H
#include <bh/io.h>
#include <bh/sys.h>
#include <stdbool.h>
#include <stdint.h>

#define SEL_PD BH_SEL_SELF_PD
#define CPU0 0u
#define CPU1 1u

/* A fresh, unused capability selector. */
uint64_t rt_sel(void);
/* A fresh, unused page-aligned address for a UTCB. */
uint64_t rt_utcb(void);
/* A fresh 16 KiB stack; returns its top, 0 once all are used. */
uint64_t rt_stack(void);
/* Starts fn as a new global EC on cpu with its own SC at prio; returns
   the EC selector (0 on failure, reported as a TAP failure). */
uint64_t rt_thread(unsigned cpu, unsigned prio, void (*fn)(void));
/* Number of online CPUs the tests may use (from the kernel's report). */
unsigned rt_cpus(void);

/* The legacy PIT's line: GSI 2 on PCs with an I/O APIC (the MADT's
   interrupt-source override for IRQ 0). t_irq.c drives it, and so does
   t_servers.c for a server that was granted the line. */
#define PIT_GSI 2u
/* Runs the PIT as a 1 kHz rate generator (the root holds its ports). */
void pit_start(void);
/* Stops it: one-shot mode with a count that is never reloaded. */
void pit_stop(void);

void test_caps(void);
void test_ipc(void);
/* t_tlb.c: TLB shootdown against the fast path on the other CPU. */
void test_tlb(void);
void test_sm(void);
void test_teardown(void);
void test_fpu(void);
void test_regs(void);
/* t_segbase.c: FS and GS bases per EC across every kind of switch. */
void test_segbase(void);
void test_irq(void);
void test_vmx(void);
/* t_dbstep.c: a thread of the root's on CPU 0 that single-steps (four
   #DBs, each a fault call to a portal of the root's, resumed) when
   dbstep_run asks it to; dbstep_count says how many #DBs it took. */
bool dbstep_setup(void);
void dbstep_run(void);
unsigned dbstep_count(void);
void dbstep_teardown(void);
void test_vtd(void);
void test_devmem(void);
void test_syscalls(void);
void bench_ipc(void);
void bench_vmx(void);
void test_servers(void);
#endif
