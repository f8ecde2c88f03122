/*
 * The root task's boot configuration: a flattened device tree (DTB, boot
 * module "bulkhead.dtb") that names the servers to start, what each may
 * use and how it is restarted. boot/bulkhead.dts is the default.
 *
 * Schema, version 1 (all integers are single 32-bit cells):
 *
 *   / {
 *       bulkhead,config-version = <1>;          required, must be 1
 *       servers {                               required, may be empty
 *           NAME {                              node name = server name:
 *                                               1..31 chars [a-z0-9_-], no '@'
 *               module = "x.elf";               required: boot module name
 *               sha256 = [ 32 bytes ];          required: digest of the module
 *               priority = <100>;               required: 0..255
 *               cpu = <0>;                      optional (0): 0..255
 *               budget-us = <1000>;             required: 1..period-us
 *               period-us = <10000>;            required: 1..10000000
 *               memory-kib = <256>;             required: 4..4194304, multiple of 4
 *               restart = "never";              optional ("never"):
 *                                               "never" | "on-failure" | "always"
 *               max-restarts = <3>;             optional (3): 0..255
 *               ioports = <base count ...>;     optional: up to 8 pairs,
 *                                               count >= 1, base+count <= 0x10000
 *               irqs = <4 ...>;                 optional: up to 8, each 0..255
 *               args = "key=value ...";         optional: printable, < 256 chars
 *               caps {                          optional: granted at start
 *                   CAP {                       node name = capability name
 *                       target = "console";     required: server or service
 *                       sel = <20>;             required: 16..4095, unique
 *                       rights = "call", ...;   required: words of ctrl,
 *                                               delegate, call, up, down
 *                   };
 *               };
 *           };
 *       };
 *   };
 *
 * Unknown properties or subnodes inside a server are errors (a typo must
 * not silently drop a limit). Each server is checked on its own: a bad
 * entry is rejected with a message in the diagnostics, the good ones are
 * still returned. Only a blob that is not a usable DTB, has the wrong
 * version or lacks /servers fails as a whole.
 */
#ifndef ROOT_CONFIG_H
#define ROOT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define CONFIG_VERSION 1u
#define CONFIG_MAX_SERVERS 16u    /* server nodes examined; the rest are ignored */
#define CONFIG_NAME_MAX 32u       /* server, cap and target names, with the NUL */
#define CONFIG_MODULE_MAX 64u     /* module name, with the NUL */
#define CONFIG_ARGS_MAX 256u      /* args string, with the NUL */
#define CONFIG_MAX_IOPORTS 8u
#define CONFIG_MAX_IRQS 8u
#define CONFIG_MAX_CAPS 8u
#define CONFIG_MAX_CPU 255u
#define CONFIG_MAX_PERIOD_US 10000000u
#define CONFIG_MAX_MEMORY_KIB (4u << 20)
#define CONFIG_MAX_RESTARTS 255u
#define CONFIG_MAX_IRQ 255u
#define CONFIG_CAP_SEL_MAX 4095u
#define CONFIG_DIAG_MAX 24u       /* messages kept; further ones are counted */
#define CONFIG_DIAG_LEN 128u      /* per message, with the NUL */

enum config_restart {
    RESTART_NEVER = 0,
    RESTART_ON_FAILURE = 1,
    RESTART_ALWAYS = 2,
};

struct config_ioports {
    uint32_t base;                /* first port */
    uint32_t count;               /* >= 1; base + count <= 0x10000 */
};

struct config_cap {
    char name[CONFIG_NAME_MAX];
    char target[CONFIG_NAME_MAX];
    uint32_t sel;                 /* selector in the server's capability space */
    uint32_t rights;              /* BH_R_* bits */
};

struct bh_server_cfg {
    char name[CONFIG_NAME_MAX];
    char module[CONFIG_MODULE_MAX];
    uint8_t sha256[32];
    uint32_t priority;
    uint32_t cpu;
    uint32_t budget_us;
    uint32_t period_us;
    uint32_t memory_kib;
    enum config_restart restart;
    uint32_t max_restarts;
    uint32_t nioports;
    struct config_ioports ioports[CONFIG_MAX_IOPORTS];
    uint32_t nirqs;
    uint32_t irqs[CONFIG_MAX_IRQS];
    uint32_t ncaps;
    struct config_cap caps[CONFIG_MAX_CAPS];
    char args[CONFIG_ARGS_MAX];
};

struct bh_config {
    uint32_t version;
    uint32_t nservers;            /* valid servers in servers[] */
    uint32_t nrejected;           /* server nodes rejected or ignored */
    struct bh_server_cfg servers[CONFIG_MAX_SERVERS];
};

struct config_diag {
    uint32_t count;               /* messages in msg[] */
    uint32_t dropped;             /* messages that did not fit */
    char msg[CONFIG_DIAG_MAX][CONFIG_DIAG_LEN];
};

/*
 * Parses the configuration in dtb[0..len). Reads nothing outside that
 * range, whatever the bytes. Returns BH_OK with the valid servers in out
 * (out->nrejected counts the bad ones, each explained in diag);
 * BH_EFORMAT if the blob is not a sound DTB within len, BH_ENOTSUP for a
 * missing or wrong bulkhead,config-version, BH_ENOENT without /servers.
 * On error out holds no servers and diag says why. diag may be NULL.
 */
enum bh_status config_parse(const void *dtb, size_t len, struct bh_config *out,
                            struct config_diag *diag);

/* "never", "on-failure" or "always". */
const char *config_restart_name(enum config_restart r);

#endif
