/* VT-x on each CPU: VMXON with the capabilities read and checked. */
#ifndef HV_X86_VMX_H
#define HV_X86_VMX_H
#include <stdbool.h>
#include "vmx_caps.h"

/* Enters VMX root operation on the calling CPU if it can; remembers why
   not otherwise. Needs the page allocator. */
void vmx_init_cpu(unsigned cpu);
/* Reports VMX on every online CPU (TAP), or once why there is none. */
void vmx_report(unsigned online);
/* Whether the calling CPU / CPU cpu is in VMX root operation. */
bool vmx_active(unsigned cpu);
/* Whether guests can run at all (VMX on the boot CPU). */
bool vmx_available(void);
/* The boot CPU's capabilities (valid when vmx_available()). */
extern struct vmx_caps vmx_cap;
extern struct vmx_features vmx_feat;
#endif
