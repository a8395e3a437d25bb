/* The batching engine under the span and log batch processors: a full
 * batch leaves whole even when its last slot is claimed by a producer
 * that has not written its item yet. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "common/batcher.h"

typedef struct recorder {
  pthread_mutex_t mu;
  size_t batches;
  size_t sizes[16];
  size_t items;
} recorder;

typedef struct owner {
  otelc__batcher b;
  _Atomic int shut;
} owner;

static recorder g_rec;

static otelc_status rec_export(void *exporter, void *const *items, size_t n,
                               uint32_t timeout_ms) {
  (void)timeout_ms;
  (void)items;
  recorder *r = exporter;
  pthread_mutex_lock(&r->mu);
  if (r->batches < 16)
    r->sizes[r->batches] = n;
  r->batches++;
  r->items += n;
  pthread_mutex_unlock(&r->mu);
  return OTELC_OK;
}

static otelc_status rec_flush(void *exporter, uint32_t timeout_ms) {
  (void)exporter;
  (void)timeout_ms;
  return OTELC_OK;
}

static void rec_free(void *exporter) {
  (void)exporter;
}
static void rec_release(void *const *items, size_t n) {
  (void)items;
  (void)n;
}

static const otelc__batcher_ops kOps = {
    .export_items = rec_export,
    .flush = rec_flush,
    .shutdown = rec_flush,
    .free_exporter = rec_free,
    .release = rec_release,
    .full_warning = "test queue full (%u)",
    .abandoned_warning = "test abandoned (%u)",
    .thread_error = "test thread",
};

static int kItems[4];

/* A producer that claimed slot @p pos and writes its item later. */
typedef struct late_producer {
  otelc__batcher *b;
  uint64_t pos;
  void *item;
} late_producer;

static void *publish_late(void *arg) {
  late_producer *lp = arg;
  struct timespec ts = {0, 5 * 1000000L};
  nanosleep(&ts, NULL);
  otelc__batcher_slot *sl = &lp->b->slots[otelc__batcher_idx(lp->b, lp->pos)];
  sl->item = lp->item;
  atomic_store_explicit(&sl->seq, lp->pos + 1, memory_order_release);
  return NULL;
}

static owner *make(bool manual) {
  memset(&g_rec, 0, sizeof g_rec);
  pthread_mutex_init(&g_rec.mu, NULL);
  owner *o = otelc__calloc(1, sizeof *o);
  assert_non_null(o);
  otelc__batcher_opts bo = {.max_queue_size = 8,
                            .max_export_batch_size = 2,
                            .schedule_delay_ms = 60000,
                            .export_timeout_ms = 1000,
                            .manual_tick = manual};
  assert_int_equal(otelc__batcher_init(&o->b, o, &o->shut, &kOps, &g_rec, &bo),
                   OTELC_OK);
  return o;
}

/* Queue one item, then claim the next slot the way a producer does and
 * leave it empty; a thread fills it 5 ms later. */
static void push_one_and_claim(owner *o, late_producer *lp, pthread_t *t) {
  otelc__batcher_push(&o->b, &kItems[0]);
  uint64_t pos = atomic_fetch_add(&o->b.tail, 1);
  *lp = (late_producer){&o->b, pos, &kItems[1]};
  assert_int_equal(pthread_create(t, NULL, publish_late, lp), 0);
}

static void assert_one_whole_batch(void) {
  pthread_mutex_lock(&g_rec.mu);
  size_t batches = g_rec.batches, first = g_rec.sizes[0], items = g_rec.items;
  pthread_mutex_unlock(&g_rec.mu);
  assert_int_equal(items, 2);
  assert_int_equal(batches, 1);
  assert_int_equal(first, 2);
}

static void test_worker_waits_for_claimed_slot(void **state) {
  (void)state;
  owner *o = make(false);
  late_producer lp;
  pthread_t t;
  push_one_and_claim(o, &lp, &t);
  /* The claimed slot counts as queued: the worker sees a full batch. */
  otelc__batcher_wake(&o->b);
  pthread_join(t, NULL);
  assert_int_equal(otelc__batcher_flush(&o->b, 5000), OTELC_OK);
  assert_one_whole_batch();
  assert_int_equal(otelc__batcher_shutdown(&o->b, 5000), OTELC_OK);
  otelc__batcher_destroy(&o->b);
  pthread_mutex_destroy(&g_rec.mu);
}

static void test_tick_waits_for_claimed_slot(void **state) {
  (void)state;
  owner *o = make(true);
  late_producer lp;
  pthread_t t;
  push_one_and_claim(o, &lp, &t);
  assert_int_equal(otelc__batcher_tick(&o->b), OTELC_OK);
  pthread_join(t, NULL);
  assert_one_whole_batch();
  assert_int_equal(otelc__batcher_shutdown(&o->b, 5000), OTELC_OK);
  assert_one_whole_batch();
  otelc__batcher_destroy(&o->b);
  pthread_mutex_destroy(&g_rec.mu);
}

/* The wait does not hold up a batch that is not full: on the delay a
 * partial batch still goes. */
static void test_tick_exports_partial_batch_when_due(void **state) {
  (void)state;
  owner *o = make(true);
  otelc__batcher_push(&o->b, &kItems[0]);
  o->b.next_export = 0; /* the delay has passed */
  assert_int_equal(otelc__batcher_tick(&o->b), OTELC_OK);
  pthread_mutex_lock(&g_rec.mu);
  assert_int_equal(g_rec.batches, 1);
  assert_int_equal(g_rec.sizes[0], 1);
  pthread_mutex_unlock(&g_rec.mu);
  assert_int_equal(otelc__batcher_shutdown(&o->b, 5000), OTELC_OK);
  otelc__batcher_destroy(&o->b);
  pthread_mutex_destroy(&g_rec.mu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_worker_waits_for_claimed_slot),
      cmocka_unit_test(test_tick_waits_for_claimed_slot),
      cmocka_unit_test(test_tick_exports_partial_batch_when_due),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
