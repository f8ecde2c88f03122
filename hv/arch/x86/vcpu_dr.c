/* Guests' debug registers (Intel SDM Vol. 3B, 18.2). The VMCS switches
   DR7 and IA32_DEBUGCTL on entry and exit; DR0-DR3 and DR6 it leaves
   alone, so hv switches them, lazily. MOV DR always exits to the VMM
   (PROC_MOV_DR), so a guest changes DR0-DR3 only through its VMM's reply;
   the CPU changes DR6 on a #DB in the guest. Each CPU records whose
   values it holds (dr_owner): another vCPU's entry, or a user EC's
   resume, saves the owner's DR6 and loads the next one's values (hv's
   are 0 and DR6's reset value; a user EC's own single step may have set
   DR6 bits meanwhile, so DR6 is compared before each claim). A guest whose
   values equal hv's when the CPU leaves it (DR0-DR3 zero, DR6 clean: any
   guest that never uses them) keeps them: dr_owner stays set with
   dr_guest clear, and its next entry here reloads nothing. A user EC's own
   #DB ends that (vcpu_dr_user_db), as it changes DR6. So such a guest
   costs a read of DR6 per exit to its VMM, nothing per entry. */
#include "vcpu.h"
#include "percpu.h"
#include "smp.h"

#define DR6_BITS 0xe00full           /* B0-B3, BD, BS, BT: what a VMM may set */

#define DR_ACCESSORS(n)                                                                         \
    static inline uint64_t read_dr##n(void) { uint64_t v; __asm__ volatile("mov %%db" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_dr##n(uint64_t v) { __asm__ volatile("mov %0, %%db" #n ::"r"(v)); }
DR_ACCESSORS(0)
DR_ACCESSORS(1)
DR_ACCESSORS(2)
DR_ACCESSORS(3)
DR_ACCESSORS(6)
#undef DR_ACCESSORS

static void load03(const uint64_t dr[4])
{
    write_dr0(dr[0]);
    write_dr1(dr[1]);
    write_dr2(dr[2]);
    write_dr3(dr[3]);
}

void vcpu_dr_init(struct vcpu *v)
{
    v->dr[0] = v->dr[1] = v->dr[2] = v->dr[3] = 0;
    v->dr6 = DR6_CLEAN;
}

void vcpu_host_debug(struct percpu *p)
{
    if (!p->dr_guest)
        return;
    uint64_t d6 = read_dr6();
    if (p->dr_owner)
        p->dr_owner->dr6 = d6;
    p->dr_guest = false;
    if (d6 == DR6_CLEAN && !p->dr_loaded)
        return;                        /* hv's values: kept for the owner */
    if (d6 != DR6_CLEAN)
        write_dr6(DR6_CLEAN);
    if (p->dr_loaded) {
        static const uint64_t zero[4];
        load03(zero);
        p->dr_loaded = false;
    }
    p->dr_owner = NULL;
}

void vcpu_dr_load(struct percpu *p, struct vcpu *v)
{
    vcpu_host_debug(p);
    if (read_dr6() != v->dr6)          /* a user EC's own #DB (TF) may have set bits */
        write_dr6(v->dr6);
    if (v->dr[0] | v->dr[1] | v->dr[2] | v->dr[3]) {
        load03(v->dr);
        p->dr_loaded = true;
    }
    p->dr_guest = true;
    p->dr_owner = v;
}

void vcpu_dr_snapshot(struct vcpu *v, struct bh_vmstate *s)
{
    struct percpu *p = this_cpu();
    for (unsigned i = 0; i < 4; i++)
        s->dr[i] = v->dr[i];
    s->dr6 = p->dr_guest && p->dr_owner == v ? read_dr6() : v->dr6;
}

void vcpu_dr_write(struct vcpu *v, const struct bh_vmstate *s)
{
    struct percpu *p = this_cpu();
    if (p->dr_owner == v) {            /* loaded or kept here: reloaded at the entry */
        p->dr_owner = NULL;
        vcpu_host_debug(p);
    }
    for (unsigned i = 0; i < 4; i++)
        v->dr[i] = s->dr[i];
    v->dr6 = (s->dr6 & DR6_BITS) | DR6_CLEAN;
}

void vcpu_dr_user_db(struct percpu *p)
{
    if (!p->dr_guest)
        p->dr_owner = NULL;            /* a kept guest's DR6 is no longer in DR6 */
}

void vcpu_dr_forget(struct vcpu *v)
{
    for (unsigned i = 0; i < smp_online(); i++)
        if (cpus[i].dr_owner == v)
            cpus[i].dr_owner = NULL;
}
