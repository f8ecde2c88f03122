/*
 * Kernel and module command lines: which loader booted us, where the
 * arguments start, module name/args splitting, and option parsing.
 *
 * Pure logic: no allocation, no global state; builds freestanding in hv/
 * and hosted for tests/unit/test_cmdline.c. Loader conventions are the
 * ones verified on the test platforms: QEMU -kernel puts the image file
 * name first, iPXE the full URI, GRUB only the arguments.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bulkhead/abi.h>

enum boot_loader {
    BOOT_LOADER_UNKNOWN = 0,
    BOOT_LOADER_QEMU,   /* QEMU's built-in Multiboot loader: "qemu" */
    BOOT_LOADER_IPXE,   /* "iPXE 1.0.0+ (g...)" */
    BOOT_LOADER_GRUB,   /* "GRUB 2.06-13+deb12u1" */
};

#define CMDLINE_NAME_MAX 64u   /* module name buffer, incl. NUL */
#define CMDLINE_ARGS_MAX 256u  /* module args buffer, incl. NUL */

/* A module string split into its image's base name and its arguments. */
struct cmdline_module {
    char name[CMDLINE_NAME_MAX];
    char args[CMDLINE_ARGS_MAX];
    bool name_truncated;
    bool args_truncated;
};

enum hv_exit_action {
    HV_EXIT_HALT = 0,
    HV_EXIT_POWEROFF,
    HV_EXIT_REBOOT,
};

enum hv_apic_mode {
    HV_APIC_AUTO = 0,
    HV_APIC_XAPIC,
    HV_APIC_X2APIC,
};

enum hv_timer_mode {
    HV_TIMER_AUTO = 0,
    HV_TIMER_TSC_DEADLINE,
    HV_TIMER_LAPIC,
};

#define HV_OPTS_ROOT_MAX 64u    /* root= buffer, incl. NUL */
#define HV_OPTS_TESTS_MAX 16u   /* names in test= */
#define HV_OPTS_TEST_NAME 32u   /* one test name buffer, incl. NUL */
#define HV_SMP_MAX 256u

/* Kernel options; cmdline_defaults() documents every default. */
struct hv_opts {
    uint16_t serial_port;          /* 0 = serial output off */
    uint32_t serial_baud;
    enum hv_exit_action exit_action;
    uint32_t smp_max;              /* 0 = all CPUs, else 1..HV_SMP_MAX */
    enum hv_apic_mode apic;
    enum hv_timer_mode timer;
    char root[HV_OPTS_ROOT_MAX];   /* "" = first module */
    char id[HV_OPTS_ROOT_MAX];     /* boot label echoed as "# id:"; "" = none */
    uint32_t test_count;
    char test[HV_OPTS_TESTS_MAX][HV_OPTS_TEST_NAME];
    uint16_t debugexit_port;       /* 0 = none */
    uint8_t loglevel;              /* 0..7 */
    bool no_1g;                    /* no1g: hide 1 GiB pages (EPT and user) */
};

#define CMDLINE_DIAG_MAX 16u
#define CMDLINE_DIAG_LEN 80u       /* one message buffer, incl. NUL */

/* Problems found by cmdline_parse(), for the kernel to print. */
struct cmdline_diag {
    uint32_t count;                /* messages stored in msg[] */
    uint32_t dropped;              /* further problems not stored */
    char msg[CMDLINE_DIAG_MAX][CMDLINE_DIAG_LEN];
};

/*
 * Identifies the loader from its Multiboot boot-loader name (v1 flag bit 9,
 * v2 tag 2): first word "qemu", "iPXE" or "GRUB", compared ignoring case.
 * NULL or anything else gives BOOT_LOADER_UNKNOWN.
 */
enum boot_loader cmdline_loader(const char *loader_name);

/*
 * Returns the start of the arguments inside raw (a pointer into raw, never
 * a copy; "" if raw is NULL). QEMU and iPXE: the first token (image file
 * name or URI) is skipped. GRUB: nothing is skipped. Unknown loader: the
 * first token is skipped only if it has no '=' and contains '/' (a path
 * or URI; no option key contains '/'). Leading blanks are skipped.
 */
const char *cmdline_args(const char *raw, enum boot_loader loader);

/*
 * Splits a module string (any loader) into out->name, the base name of the
 * first token (text after its last '/'), and out->args, the rest with
 * surrounding blanks removed. NULL or blank raw gives name "" and args "".
 * Name and args are cut to fit their buffers, setting the *_truncated flag.
 */
void cmdline_module(const char *raw, struct cmdline_module *out);

/* Fills *out with the defaults: serial 0x3f8 at 115200, exit=halt, all
 * CPUs, apic=auto, timer=auto, root = first module, no tests, no
 * debug-exit port, loglevel 6, 1 GiB pages where the CPU has them. */
void cmdline_defaults(struct hv_opts *out);

/*
 * Parses the argument string (see cmdline_args) into *out, which is first
 * reset to the defaults. Tokens are separated by blanks (space, tab, CR,
 * LF); each is key=value or a bare flag. Nothing aborts the parse: an
 * unknown key, malformed value or duplicate key (last wins) is recorded in
 * *diag (diag may be NULL) and the earlier value is kept.
 * Returns BH_OK if there were no problems, BH_EINVAL if any were recorded
 * or if out is NULL. args NULL is treated as "".
 */
enum bh_status cmdline_parse(const char *args, struct hv_opts *out,
                             struct cmdline_diag *diag);

#endif
