/* Host unit tests for drivers/nvme/queue.c: submission, completions the
   device gets right, and every kind of malformed completion (another
   queue's id, a head outside the window, an unknown or repeated command
   id, a stale phase), command building, PRPs, doorbells, identify data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "queue.h"

#define QSIZE 4u
static struct nvme_cmd sq[QSIZE];
static struct nvme_cpl cq[QSIZE];
static struct nvmeq q;

static int setup(void **state)
{
    (void)state;
    memset(sq, 0, sizeof sq), memset(cq, 0, sizeof cq);
    assert_true(nvmeq_init(&q, sq, cq, QSIZE, 1));
    return 0;
}

/* What a well-behaved device writes for the command in flight. */
static void complete(unsigned slot, uint16_t sqid, uint16_t sqhd, uint16_t cid, unsigned sf, unsigned phase)
{
    cq[slot] = (struct nvme_cpl){ .sqid = sqid, .sqhd = sqhd, .cid = cid,
                                  .status = (uint16_t)(sf << 1 | phase) };
}

static void test_init_sizes(void **state)
{
    (void)state;
    struct nvmeq t;
    assert_false(nvmeq_init(&t, sq, cq, 1, 0));
    assert_false(nvmeq_init(&t, sq, cq, NVMEQ_MAX + 1, 0));
    assert_true(nvmeq_init(&t, sq, cq, 2, 0));
    assert_int_equal(t.phase, 1);
}

static void test_round_trip_and_wrap(void **state)
{
    (void)state;
    struct nvme_cmd c, seen[2 * QSIZE];
    struct nvme_cpl out;
    for (unsigned i = 0; i < 2 * QSIZE; i++) {       /* twice round: the phase flips */
        nvme_cmd_identify(&c, NVME_CNS_CTRL, 0, 0x1000);
        int tail = nvmeq_submit(&q, &c);
        assert_int_equal(tail, (int)((i + 1) % QSIZE));
        seen[i] = sq[i % QSIZE];
        assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_EMPTY);
        complete(i % QSIZE, 1, (uint16_t)tail, seen[i].cid, 0, i < QSIZE ? 1 : 0);
        assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_DONE);
        assert_int_equal(out.cid, seen[i].cid);
        assert_int_equal(q.cq_head, (i + 1) % QSIZE);
    }
    assert_int_not_equal(seen[0].cid, seen[1].cid);
    assert_int_equal(q.phase, 1);                   /* flipped twice */
}

static void test_one_in_flight(void **state)
{
    (void)state;
    struct nvme_cmd c;
    nvme_cmd_identify(&c, NVME_CNS_NS, 1, 0x2000);
    assert_int_equal(nvmeq_submit(&q, &c), 1);
    assert_int_equal(nvmeq_submit(&q, &c), -1);
}

static void test_error_status(void **state)
{
    (void)state;
    struct nvme_cmd c;
    struct nvme_cpl out;
    nvme_cmd_identify(&c, NVME_CNS_NS, 99, 0x2000);
    nvmeq_submit(&q, &c);
    complete(0, 1, 1, sq[0].cid, 0x0b, 1);          /* invalid namespace */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_ERROR);
    assert_int_equal(nvme_status(&out), 0x0b);
    assert_false(q.busy);
}

static void test_malformed_sqid(void **state)
{
    (void)state;
    struct nvme_cmd c = { 0 };
    struct nvme_cpl out;
    nvmeq_submit(&q, &c);
    complete(0, 7, 1, sq[0].cid, 0, 1);
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_SQID);
    assert_true(q.busy);                             /* still waiting for the real one */
    assert_int_equal(q.cq_head, 1);                  /* the bad entry is consumed */
    complete(1, 1, 1, sq[0].cid, 0, 1);
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_DONE);
}

static void test_malformed_head(void **state)
{
    (void)state;
    struct nvme_cmd c = { 0 };
    struct nvme_cpl out;
    nvmeq_submit(&q, &c);
    complete(0, 1, QSIZE + 5, sq[0].cid, 0, 1);      /* beyond the ring */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_HEAD);
    complete(1, 1, 3, sq[0].cid, 0, 1);              /* inside, but past the tail */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_HEAD);
    assert_int_equal(q.sq_head, 0);
    assert_true(q.busy);
}

static void test_malformed_cid(void **state)
{
    (void)state;
    struct nvme_cmd c = { 0 };
    struct nvme_cpl out;
    struct nvme_cpl none;
    complete(0, 1, 0, 1, 0, 1);                      /* nothing in flight at all */
    assert_int_equal(nvmeq_reap(&q, &none), NVMEQ_BAD_CID);
    nvmeq_submit(&q, &c);
    uint16_t cid = sq[0].cid;
    complete(1, 1, 1, (uint16_t)(cid + 100), 0, 1);
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_CID);
    complete(2, 1, 1, cid, 0, 1);
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_DONE);
    complete(3, 1, 1, cid, 0, 1);                    /* the same completion again */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_CID);
}

/* A command whose completion never came right is abandoned: the queue
   takes the next one, the late completion of the old id is skipped as
   malformed, and a full ring refuses a submission. */
static void test_abandon(void **state)
{
    (void)state;
    struct nvme_cmd c = { 0 };
    struct nvme_cpl out;
    assert_true(nvmeq_submit(&q, &c) >= 0);
    uint16_t old = sq[0].cid;
    complete(0, 1, 1, (uint16_t)(old + 7), 0, 1);    /* garbage instead of its completion */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_CID);
    assert_int_equal(nvmeq_submit(&q, &c), -1);      /* still in flight */
    nvmeq_abandon(&q);
    assert_true(nvmeq_submit(&q, &c) >= 0);
    uint16_t now = sq[1].cid;
    assert_int_not_equal(now, old);
    complete(1, 1, 1, old, 0, 1);                    /* the old one, late */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_BAD_CID);
    complete(2, 1, 2, now, 0, 1);
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_DONE);
    /* abandon until the ring is full: the device fetched nothing more */
    nvmeq_abandon(&q);
    assert_true(nvmeq_submit(&q, &c) >= 0);          /* slot 2 */
    nvmeq_abandon(&q);
    assert_true(nvmeq_submit(&q, &c) >= 0);          /* slot 3 */
    nvmeq_abandon(&q);
    assert_true(nvmeq_submit(&q, &c) >= 0);          /* slot 0 */
    nvmeq_abandon(&q);
    assert_int_equal(nvmeq_submit(&q, &c), -1);      /* full: slot 1 would meet head 2 */
}

static void test_stale_phase(void **state)
{
    (void)state;
    struct nvme_cmd c = { 0 };
    struct nvme_cpl out;
    nvmeq_submit(&q, &c);
    complete(0, 1, 1, sq[0].cid, 0, 0);              /* the old phase: not new */
    assert_int_equal(nvmeq_reap(&q, &out), NVMEQ_EMPTY);
    assert_int_equal(q.cq_head, 0);
    assert_true(q.busy);
}

static void test_commands(void **state)
{
    (void)state;
    struct nvme_cmd c;
    nvme_cmd_create_cq(&c, 1, 64, 0x5000, 0);
    assert_int_equal(c.opc, NVME_ADM_CREATE_CQ);
    assert_int_equal(c.cdw10, 63u << 16 | 1);
    assert_int_equal(c.cdw11, 3);
    nvme_cmd_create_sq(&c, 1, 64, 0x6000, 1);
    assert_int_equal(c.opc, NVME_ADM_CREATE_SQ);
    assert_int_equal(c.cdw11, 1u << 16 | 1);
    assert_true(nvme_cmd_rw(&c, true, 1, 0x123456789ull, 8, 0x7000, 0));
    assert_int_equal(c.opc, NVME_CMD_WRITE);
    assert_int_equal(c.cdw10, 0x23456789u);
    assert_int_equal(c.cdw11, 1);
    assert_int_equal(c.cdw12, 7);
    assert_false(nvme_cmd_rw(&c, false, 1, 0, 0, 0x7000, 0));
    assert_false(nvme_cmd_rw(&c, false, 1, 0, 65537, 0x7000, 0));
}

static void test_prp(void **state)
{
    (void)state;
    uint64_t p1, p2;
    assert_true(nvme_prp(0x10000, 4096, &p1, &p2));
    assert_int_equal(p1, 0x10000), assert_int_equal(p2, 0);
    assert_true(nvme_prp(0x10000, 8192, &p1, &p2));
    assert_int_equal(p2, 0x11000);
    assert_true(nvme_prp(0x10200, 4096, &p1, &p2));
    assert_int_equal(p2, 0x11000);
    assert_false(nvme_prp(0x10200, 8192, &p1, &p2)); /* three pages: needs a list */
    assert_false(nvme_prp(0x10000, 0, &p1, &p2));
    assert_false(nvme_prp(0x10001, 512, &p1, &p2));  /* not dword-aligned */
}

static void test_doorbells(void **state)
{
    (void)state;
    assert_int_equal(nvme_doorbell(0, false, 0), 0x1000);
    assert_int_equal(nvme_doorbell(0, true, 0), 0x1004);
    assert_int_equal(nvme_doorbell(1, false, 0), 0x1008);
    assert_int_equal(nvme_doorbell(1, true, 2), 0x1000 + 3 * 16);
}

static void test_geometry(void **state)
{
    (void)state;
    uint8_t id[4096] = { 0 };
    unsigned shift;
    uint64_t blocks;
    uint64_t n = 2048;
    memcpy(id, &n, 8);
    id[NVME_ID_NS_NLBAF] = 1;
    id[NVME_ID_NS_FLBAS] = 1;
    uint32_t f0 = 9u << 16, f1 = 12u << 16;
    memcpy(id + NVME_ID_NS_LBAF, &f0, 4), memcpy(id + NVME_ID_NS_LBAF + 4, &f1, 4);
    assert_true(nvme_ns_geometry(id, &shift, &blocks));
    assert_int_equal(shift, 12), assert_int_equal(blocks, 2048);
    id[NVME_ID_NS_FLBAS] = 2;                        /* beyond NLBAF */
    assert_false(nvme_ns_geometry(id, &shift, &blocks));
    id[NVME_ID_NS_FLBAS] = 0;
    f0 = 16u << 16;                                  /* 64 KiB blocks */
    memcpy(id + NVME_ID_NS_LBAF, &f0, 4);
    assert_false(nvme_ns_geometry(id, &shift, &blocks));
    f0 = 9u << 16, n = 0;
    memcpy(id + NVME_ID_NS_LBAF, &f0, 4), memcpy(id, &n, 8);
    assert_false(nvme_ns_geometry(id, &shift, &blocks));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_sizes),
        cmocka_unit_test_setup(test_round_trip_and_wrap, setup),
        cmocka_unit_test_setup(test_one_in_flight, setup),
        cmocka_unit_test_setup(test_error_status, setup),
        cmocka_unit_test_setup(test_malformed_sqid, setup),
        cmocka_unit_test_setup(test_malformed_head, setup),
        cmocka_unit_test_setup(test_malformed_cid, setup),
        cmocka_unit_test_setup(test_stale_phase, setup),
        cmocka_unit_test_setup(test_abandon, setup),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_prp),
        cmocka_unit_test(test_doorbells),
        cmocka_unit_test(test_geometry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
