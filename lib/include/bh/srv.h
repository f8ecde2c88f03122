/* Server side of the root's service protocol (bh/svc.h), lib/srv.c. */
#ifndef BH_SRV_H
#define BH_SRV_H

#include <bh/sys.h>
#include <bh/svc.h>

/* Handles one portal call: m holds the request; put the reply in m. */
typedef void (*srv_handler)(struct bh_msg *m, uint64_t badge);

/* Asks the root to start a local EC running h for the server's portal
   (h NULL: only tells the root the server is up). Returns the root's status. */
enum bh_status svc_serve(srv_handler h);

/* The handler's reply carries the first n typed items of the portal
   EC's UTCB (srv_utcb()->item[]); for the current reply only. */
void srv_reply_items(unsigned n);

/* The portal EC's UTCB: its receive window and the items it sends. */
struct bh_utcb *srv_utcb(void);

/* Sends a test result to the root. */
enum bh_status svc_report(uint64_t a, uint64_t b);

/* Waits forever (the park semaphore is never upped). */
void svc_park(void) __attribute__((noreturn));

/* Value of key=NUMBER in args, or def. */
uint64_t srv_arg(const char *args, const char *key, uint64_t def);

#endif
