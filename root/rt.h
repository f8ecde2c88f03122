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
/* A fresh 16 KiB stack; returns its top. */
uint64_t rt_stack(void);
/* Starts fn as a new global EC on cpu with its own SC at prio; returns
   the EC selector (0 on failure, reported as a TAP failure). */
uint64_t rt_thread(unsigned cpu, unsigned prio, void (*fn)(void));
/* Number of online CPUs the tests may use (from the kernel's report). */
unsigned rt_cpus(void);

void test_caps(void);
void test_ipc(void);
void test_sm(void);
void test_irq(void);
void test_vmx(void);
void test_syscalls(void);
void bench_ipc(void);
void test_servers(void);
#endif
