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
 *                       badge = <1>;            optional: 1..255, for a
 *                                               server target only: the
 *                                               client gets a portal of its
 *                                               own whose badge carries this
 *                                               number (SVC_CLIENT), so the
 *                                               server can tell who calls
 *                   };
 *               };
 *               modules {                       optional: data modules made
 *                                               readable to the server
 *                   NAME {                      node name = the name the
 *                                               server finds it by, unique
 *                       module = "x.img";       required: boot module name
 *                       sha256 = [ 32 bytes ];  required: its digest
 *                   };                          at most 4
 *               };
 *           };
 *       };
 *       supervise {                             optional: the root supervises
 *                                               the servers instead of testing
 *           await = "vm1", ...;                 required: 1..16 server names;
 *                                               supervision ends when all of
 *                                               them have ended for good
 *           timeout-ms = <120000>;              required: 1..3600000; then
 *                                               the rest are stopped
 *       };
 *   };
 *
 * Unknown properties or subnodes inside a server are errors (a typo must
 * not silently drop a limit). Each server is checked on its own: a bad
 * entry is rejected with a message in the diagnostics, the good ones are
 * still returned. Only a blob that is not a usable DTB, has the wrong
 * version, lacks /servers or has a bad /supervise node fails as a whole.
 * Data modules (`modules`) are measured like the server's own module: a
 * digest mismatch refuses the server at start (root/servers.c).
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
#define CONFIG_MAX_MODULES 4u     /* data modules per server */
#define CONFIG_MAX_AWAIT 16u      /* servers /supervise may await */
#define CONFIG_MAX_SUPERVISE_MS 3600000u
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
    uint32_t badge;               /* 0, or 1..255: a portal of the client's own
                                     (SVC_CLIENT(badge) in the server) */
};

struct config_module {
    char name[CONFIG_NAME_MAX];   /* what the server looks it up by */
    char module[CONFIG_MODULE_MAX];
    uint8_t sha256[32];
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
    uint32_t nmodules;
    struct config_module modules[CONFIG_MAX_MODULES];
    char args[CONFIG_ARGS_MAX];
};

/* The optional /supervise node: the root starts the servers and then
   only supervises them, until every awaited server has ended for good
   (died and not restarted) or timeout_ms has passed. */
struct config_supervise {
    uint32_t timeout_ms;          /* 0: no /supervise node */
    uint32_t nawait;
    char await[CONFIG_MAX_AWAIT][CONFIG_NAME_MAX];
};

struct bh_config {
    uint32_t version;
    uint32_t nservers;            /* valid servers in servers[] */
    uint32_t nrejected;           /* server nodes rejected or ignored */
    struct bh_server_cfg servers[CONFIG_MAX_SERVERS];
    struct config_supervise supervise;
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
 * missing or wrong bulkhead,config-version, BH_ENOENT without /servers,
 * BH_EINVAL for a malformed /supervise node (or one that awaits a server
 * the configuration does not define).
 * On error out holds no servers and diag says why. diag may be NULL.
 */
enum bh_status config_parse(const void *dtb, size_t len, struct bh_config *out,
                            struct config_diag *diag);

/* "never", "on-failure" or "always". */
const char *config_restart_name(enum config_restart r);

#endif
