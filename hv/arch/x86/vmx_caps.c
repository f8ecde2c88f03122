/* VMX capability logic (see vmx_caps.h). */
#include "vmx_caps.h"
#include "vmcs.h"
#include <stddef.h>

enum bh_status vmx_ctl(uint64_t cap, uint32_t must, uint32_t want, uint32_t *out,
                       uint32_t *missing)
{
    uint32_t allowed0 = (uint32_t)cap, allowed1 = (uint32_t)(cap >> 32);
    uint32_t v = (must | want | allowed0) & allowed1;
    *out = v;
    if (missing)
        *missing = must & ~v;
    return (v & must) == must ? BH_OK : BH_ENOTSUP;
}

static bool allowed1(uint64_t cap, uint32_t bit) { return (cap >> 32) & bit; }

void vmx_features(const struct vmx_caps *c, struct vmx_features *f)
{
    *f = (struct vmx_features){ 0 };
    f->revision = (uint32_t)c->basic & 0x7fffffffu;
    f->secondary = allowed1(c->proc, PROC_SECONDARY);
    f->msr_bitmap = allowed1(c->proc, PROC_MSR_BITMAP);
    f->io_bitmap = allowed1(c->proc, PROC_IO_BITMAP);
    f->cr8_exit = allowed1(c->proc, PROC_CR8_LOAD) && allowed1(c->proc, PROC_CR8_STORE);
    f->preempt_timer = allowed1(c->pin, PIN_PREEMPT_TIMER) && allowed1(c->exit, EXIT_SAVE_PREEMPT);
    f->preempt_shift = (unsigned)(c->misc & 0x1f);
    if (!f->secondary)
        return;
    bool walk = (c->ept_vpid & EPT_CAP_WALK4) && (c->ept_vpid & EPT_CAP_WB) &&
                (c->ept_vpid & EPT_CAP_INVEPT);
    f->ept = allowed1(c->proc2, PROC2_EPT) && walk;
    f->ept_2m = f->ept && (c->ept_vpid & EPT_CAP_2M);
    f->ept_1g = f->ept && (c->ept_vpid & EPT_CAP_1G);
    f->ept_ad = f->ept && (c->ept_vpid & EPT_CAP_AD);
    f->invept_single = f->ept && (c->ept_vpid & EPT_CAP_INVEPT_SINGLE);
    f->vpid = allowed1(c->proc2, PROC2_VPID) && (c->ept_vpid & VPID_CAP_INVVPID) &&
              (c->ept_vpid & (VPID_CAP_SINGLE | VPID_CAP_ALL));
    f->invvpid_single = f->vpid && (c->ept_vpid & VPID_CAP_SINGLE);
    f->unrestricted = f->ept && allowed1(c->proc2, PROC2_UNRESTRICTED);
}

bool vmx_usable(const struct vmx_features *f, const char **why)
{
    const char *w = !f->secondary ? "no secondary processor-based controls"
                  : !f->ept ? "no EPT with a 4-level write-back walk and INVEPT"
                  : !f->unrestricted ? "no unrestricted guest"
                  : !f->msr_bitmap ? "no MSR bitmaps"
                  : !f->io_bitmap ? "no I/O bitmaps"
                  : !f->cr8_exit ? "no CR8-load/store exiting" : NULL;
    if (why)
        *why = w ? w : "";
    return !w;
}
