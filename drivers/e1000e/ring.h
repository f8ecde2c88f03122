/* The e1000e driver's descriptor rings (82574 7.1.4 and 7.2.10, legacy
   descriptors): the pure part, host-tested (test/test_ring.c). The
   device writes receive descriptors back; nothing it writes is trusted
   beyond these checks. */
#ifndef DRV_E1000E_RING_H
#define DRV_E1000E_RING_H
#include <stdbool.h>
#include <stdint.h>

struct rxd { uint64_t addr; uint16_t len, csum; uint8_t status, errors; uint16_t special; };
struct txd { uint64_t addr; uint16_t len; uint8_t cso, cmd, status, css; uint16_t special; };
_Static_assert(sizeof(struct rxd) == 16, "legacy receive descriptor (82574 7.1.4)");
_Static_assert(sizeof(struct txd) == 16, "legacy transmit descriptor (82574 7.2.10)");

#define RXD_DD 0x01u
#define RXD_EOP 0x02u
#define TXD_EOP 0x01u
#define TXD_IFCS 0x02u
#define TXD_RS 0x08u
#define TXD_DD 0x01u

enum rx_result {
    RX_EMPTY = 0,                /* not written back yet (DD clear) */
    RX_FRAME,                    /* a whole frame of *len bytes */
    RX_BAD,                      /* malformed: no EOP (the driver posts 2 KiB buffers,
                                    larger than any frame it accepts), errors, or a
                                    length below 14 or above the buffer */
};

/* Checks a receive descriptor the device wrote back (copied out once). */
enum rx_result rx_check(const struct rxd *d, unsigned bufsize, unsigned *len);
/* A transmit descriptor for one frame of len bytes at iova (report
   status); false for a length outside 14..max. */
bool tx_fill(struct txd *d, uint64_t iova, unsigned len, unsigned max);
#endif
