/* The root task: the first boot module, started in ring 3 as the only
   PD hv creates itself; it receives every initial capability. */
#ifndef HV_ROOT_H
#define HV_ROOT_H
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>
struct ec;

struct boot_info;
/* Builds the root PD from boot module index (an ELF image, validated
   here) with its arguments, maps every boot module read-only into it with
   the bootinfo table, and makes its first EC runnable on CPU 0. On
   failure *why says what was wrong. */
enum bh_status root_start(const struct boot_info *bi, unsigned index, const char **why);
/* Console output of ec (BH_SYS_PRINT): whole lines, TAP results
   renumbered into the kernel's stream, other lines tagged by PD. */
void root_output(struct ec *ec, const char *s, size_t len);
struct pd;
/* True for the root task's PD (its end is the end of the system). */
bool root_is_pd(const struct pd *pd);
/* Called when ec ended: if it was the root task's first EC, the system
   reports, frees the root PD and ends. */
void root_check_end(struct ec *ec);
#endif
