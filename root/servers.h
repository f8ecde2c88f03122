/*
 * The root task's server manager (root/servers.c): starts the servers the
 * boot configuration names, each in its own PD, answers their service and
 * fault calls, and restarts them by their restart policy.
 */
#ifndef ROOT_SERVERS_H
#define ROOT_SERVERS_H

#include "config.h"
#include <bh/elf_load.h>
#include <bh/sys.h>
#include <stdbool.h>
#include <stdint.h>

struct server {
    const struct bh_server_cfg *cfg;
    unsigned idx, cpu;
    const void *img;
    size_t len;
    bool running, refused;
    enum bh_status refuse_status;
    unsigned restarts;
    uint64_t pd, ec, sc, pt, local_ec, svc_pt, fault_pt;
    uint64_t client_pt[CONFIG_MAX_CAPS];   /* badged portals made for its caps */
    uint64_t death_sm, ready_sm, report_sm, fault_sm;
    struct bh_elf_loaded ld;
    uint64_t extra;                  /* the root's window for pages it shares */
    volatile bool served, failed, map_on_fault;
    volatile uint64_t report[2];
    volatile uint64_t faults, fault_vec, fault_addr, fault_rip, fault_value;
    const void *mod_img[CONFIG_MAX_MODULES];   /* its data modules (boot modules) */
    size_t mod_len[CONFIG_MAX_MODULES];
};

/* Reads the configuration (the boot module named by `config=NAME` in the
   root task's arguments, default bulkhead.dtb), starts every valid server
   (TAP results for the configuration, refusals and starts). Returns false
   if nothing could be started because the kernel or the boot modules lack
   what it needs; also, after the fact, if the configuration has a
   /supervise node: the root then supervised the servers until the awaited
   ones ended (or the timeout), stopped them all, and there are no test
   servers left to test. */
bool servers_start_all(void);

/* Starts one server from cfg, which the caller provides instead of the
   boot configuration (make bench starts only its own server this way);
   cfg must stay valid while the server runs, and its digest is checked
   like any other. Sets up the service ECs on first use. Returns the
   server, or NULL (the root prints why) if it did not start. */
struct server *server_start(const struct bh_server_cfg *cfg);

/* The server named name, or NULL. */
struct server *server_find(const char *name);

/* Waits up to timeout_us for srv to die; if it did, cleans up and
   restarts it as its policy says. Returns true if it died. */
bool server_reap(struct server *srv, uint64_t timeout_us);

/* Kills srv (it counts as failed) and reaps it. */
bool server_kill(struct server *srv);

/* Kills every server still running, for a clean end (no restarts). */
void servers_stop_all(void);

/* Calls srv's portal with op and x; returns the status, reply in *m. */
enum bh_status server_call(struct server *srv, struct bh_msg *m);

/* A page the root shares: fresh in the root's window for srv, value at
   its start, mapped into srv at va with rights. Returns the root's VA or 0. */
uint64_t server_share_page(struct server *srv, uint64_t va, unsigned rights, uint64_t value);

/* The root's semaphore that configured "test-sm" capabilities name. */
uint64_t servers_test_sm(void);

/* The root's semaphore that a dead server's interrupt lines are bound to
   (masked) until the server is started again. */
uint64_t servers_irq_sink(void);

/* Finds boot module name: image and size. */
bool boot_module(const char *name, const void **img, size_t *len);

#endif
