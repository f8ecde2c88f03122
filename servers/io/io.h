/* The io server's interrupt operation, shared with root/t_servers.c. Its
   other operations are the test servers' common ones (bh/svc.h). */
#ifndef SERVERS_IO_IO_H
#define SERVERS_IO_IO_H

/*
 * SRV_IO_IRQ: w1 = selector of an IRQ capability in io's space (the root
 * grants the i-th GSI of io's configured irqs at BH_SEL_SRV_IRQ_BASE + i),
 * w2 = n. io binds that line to a semaphore of its own (made once, in its
 * own PD, through its CTRL capability at SRV_SELF_PD_SEL), then n times
 * unmasks the line and waits up to 200 ms for an interrupt. Then, without
 * unmasking, it counts the interrupts that were already on their way when
 * the kernel masked the line (at most 5, until 5 ms pass without one),
 * waits 20 ms more, and masks the line.
 * Reply: w0 = status of making the semaphore, w1 = status of the bind,
 * w2 = interrupts taken in the n waits | those on their way << 32;
 * w3 = status of the 20 ms wait (BH_ETIMEOUT: no interrupt arrived while
 * the line was left masked).
 */
#define SRV_IO_IRQ 0x10u
#define IO_IRQ_SM_SEL 17u        /* io's semaphore for its interrupts */

#endif
