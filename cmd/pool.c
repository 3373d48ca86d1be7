/* The ordered worker pool (pool.h).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "pool.h"

#include <pthread.h>

/* Items in flight at most. Their bytes are bounded too (max_bytes): behind
 * one slow message, 512 large ones read meanwhile held gigabytes. */
#define WINDOW 512
/* A thread takes up to BATCH items (BATCH_BYTES) at a time and works on
 * them itself. Items read on one thread and handed one by one to another
 * (a lock, a queue entry, a wake-up each) cost two threads 10% more CPU
 * time than one; taken 32 at a time by the thread that works on them,
 * about what two separate processes cost (scripts/bench). */
#define BATCH 32
#define BATCH_BYTES (256 * 1024)

typedef struct {
  PoolNext next;
  PoolFunc work, finish;
  gpointer data;
  gsize max_bytes;
  /* POSIX locks, not GLib's: ThreadSanitizer sees their ordering (GLib's
   * futexes are invisible to it), so the handoffs are checked too. */
  pthread_mutex_t read_lock; /* one thread calls NEXT at a time */
  pthread_mutex_t lock;      /* guards what follows */
  pthread_cond_t room_cond;  /* the window has room again */
  pthread_cond_t done_cond;  /* an item was done, or the input ended */
  gpointer slots[WINDOW];
  gsize sizes[WINDOW];
  gboolean ready[WINDOW];
  guint64 next_seq;    /* sequence number of the next item read */
  guint64 next_finish; /* of the next item to finish */
  gsize bytes;         /* of the items in flight */
  gboolean ended;      /* NEXT returned NULL */
  int workers_left;    /* threads still running */
  int room_waiters;    /* threads waiting for room in the window */
  gboolean last_slow;  /* the batch read last came from a stream */
  gboolean caller_waits;
} Pool;

/* Reads the next batch of items into ITEMS (BATCH at most) once the window
 * has room for them; returns how many, 0 at the end of the input, and the
 * first one's sequence number in *FIRST. */
static guint
take (Pool *pool, gpointer *items, guint64 *first, gboolean *slow_batch)
{
  pthread_mutex_lock (&pool->read_lock);
  pthread_mutex_lock (&pool->lock);
  while (!pool->ended
         && (pool->next_seq - pool->next_finish + BATCH > WINDOW
             || (pool->bytes >= pool->max_bytes && pool->next_seq > pool->next_finish))) {
    if (pool->caller_waits)
      pthread_cond_signal (&pool->done_cond); /* only the caller makes room */
    pool->room_waiters++;
    pthread_cond_wait (&pool->room_cond, &pool->lock);
    pool->room_waiters--;
  }
  gboolean ended = pool->ended;
  gsize in_flight = pool->bytes;
  *first = pool->next_seq;
  pthread_mutex_unlock (&pool->lock);

  /* Only this thread gives out sequence numbers (it holds read_lock), and
   * the window has room for a whole batch: the slots are free. */
  guint n = 0;
  gsize bytes = 0, sizes[BATCH];
  *slow_batch = FALSE;
  while (!ended && n < BATCH) {
    gboolean slow = FALSE;
    sizes[n] = 0;
    items[n] = pool->next (pool->data, &sizes[n], &slow);
    if (!items[n]) {
      ended = TRUE;
      break;
    }
    bytes += sizes[n++];
    *slow_batch |= slow;
    if (slow || bytes >= BATCH_BYTES || in_flight + bytes >= pool->max_bytes)
      break;
  }

  pthread_mutex_lock (&pool->lock);
  for (guint i = 0; i < n; i++) {
    pool->slots[(*first + i) % WINDOW] = items[i];
    pool->sizes[(*first + i) % WINDOW] = sizes[i];
  }
  pool->next_seq += n;
  pool->bytes += bytes;
  pool->last_slow = *slow_batch;
  if (ended && !pool->ended) {
    pool->ended = TRUE;
    pthread_cond_broadcast (&pool->room_cond); /* the others waiting for room stop */
    pthread_cond_signal (&pool->done_cond);
  }
  pthread_mutex_unlock (&pool->lock);
  pthread_mutex_unlock (&pool->read_lock);
  return n;
}

static gpointer
worker (gpointer data)
{
  Pool *pool = data;
  gpointer items[BATCH];
  guint64 first;
  guint n;
  gboolean slow;
  while ((n = take (pool, items, &first, &slow)) > 0) {
    for (guint i = 0; i < n; i++)
      pool->work (items[i], pool->data);
    pthread_mutex_lock (&pool->lock);
    for (guint i = 0; i < n; i++)
      pool->ready[(first + i) % WINDOW] = TRUE;
    /* Wake the caller when the head item is done and there is much to
     * finish, a thread waits for room, or the input is a stream (its next
     * message may be long to come): a wake-up per batch is a context switch
     * away from the threads at work. */
    if (pool->caller_waits && pool->ready[pool->next_finish % WINDOW]
        && (slow || pool->last_slow || pool->room_waiters || pool->ended
            || pool->next_seq - pool->next_finish >= WINDOW / 2))
      pthread_cond_signal (&pool->done_cond);
    pthread_mutex_unlock (&pool->lock);
  }
  pthread_mutex_lock (&pool->lock);
  pool->workers_left--;
  pthread_cond_signal (&pool->done_cond);
  pthread_mutex_unlock (&pool->lock);
  return NULL;
}

void
pool_run (int jobs, gsize max_bytes, PoolNext next, PoolFunc work, PoolFunc finish, gpointer data)
{
  if (jobs <= 1) {
    for (;;) {
      gsize bytes = 0;
      gboolean slow = FALSE;
      gpointer item = next (data, &bytes, &slow);
      if (!item)
        return;
      work (item, data);
      finish (item, data);
    }
  }
  Pool *pool = g_new0 (Pool, 1);
  pool->next = next;
  pool->work = work;
  pool->finish = finish;
  pool->data = data;
  pool->max_bytes = max_bytes;
  pthread_mutex_init (&pool->read_lock, NULL);
  pthread_mutex_init (&pool->lock, NULL);
  pthread_cond_init (&pool->room_cond, NULL);
  pthread_cond_init (&pool->done_cond, NULL);
  pool->workers_left = jobs;
  GThread **threads = g_new0 (GThread *, jobs);
  for (int i = 0; i < jobs; i++)
    threads[i] = g_thread_new ("dsn-worker", worker, pool);

  /* The caller finishes items in order as they are done: it sleeps
   * meanwhile, so JOBS threads are busy, not JOBS + 1. */
  pthread_mutex_lock (&pool->lock);
  for (;;) {
    /* The done items at the head of the window, finished with the lock
     * released: no thread touches them until next_finish passes them. */
    guint64 head = pool->next_finish, n = 0;
    while (head + n < pool->next_seq && pool->ready[(head + n) % WINDOW])
      n++;
    if (n > 0) {
      pthread_mutex_unlock (&pool->lock);
      for (guint64 i = 0; i < n; i++)
        finish (pool->slots[(head + i) % WINDOW], data);
      pthread_mutex_lock (&pool->lock);
      for (guint64 i = 0; i < n; i++) {
        guint slot = (head + i) % WINDOW;
        pool->slots[slot] = NULL;
        pool->ready[slot] = FALSE;
        pool->bytes -= pool->sizes[slot];
      }
      pool->next_finish += n;
      pthread_cond_broadcast (&pool->room_cond);
      continue;
    }
    if (pool->next_finish == pool->next_seq && !pool->workers_left)
      break;
    pool->caller_waits = TRUE;
    pthread_cond_wait (&pool->done_cond, &pool->lock);
    pool->caller_waits = FALSE;
  }
  pthread_mutex_unlock (&pool->lock);

  for (int i = 0; i < jobs; i++)
    g_thread_join (threads[i]);
  g_free (threads);
  pthread_mutex_destroy (&pool->read_lock);
  pthread_mutex_destroy (&pool->lock);
  pthread_cond_destroy (&pool->room_cond);
  pthread_cond_destroy (&pool->done_cond);
  g_free (pool);
}
