/* Descriptor checks; see ring.h. */
#include "ring.h"

enum rx_result rx_check(const struct rxd *d, unsigned bufsize, unsigned *len)
{
    if (!(d->status & RXD_DD))
        return RX_EMPTY;
    if (!(d->status & RXD_EOP) || d->errors || d->len < 14 || d->len > bufsize)
        return RX_BAD;
    *len = d->len;
    return RX_FRAME;
}

bool tx_fill(struct txd *d, uint64_t iova, unsigned len, unsigned max)
{
    if (len < 14 || len > max)
        return false;
    *d = (struct txd){ .addr = iova, .len = (uint16_t)len, .cmd = TXD_EOP | TXD_IFCS | TXD_RS };
    return true;
}
