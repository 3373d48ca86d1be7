/* The ordered worker pool (pool.h).
 * SPDX-License-Identifier: BSD-2-Clause */
#include "pool.h"

#include <pthread.h>

/* Items in flight at most. Their bytes are bounded too (max_bytes): behind
 * one slow message, 512 large ones read meanwhile held gigabytes. */
#define WINDOW 512

struct _Pool {
  PoolFunc work, finish;
  gpointer data;
  int n_threads;     /* JOBS - 1: the caller works too while it waits */
  GThread **threads; /* none with one job */
  /* POSIX locks, not GLib's: ThreadSanitizer sees their ordering (GLib's
   * futexes are invisible to it), so the handoffs are checked too. */
  pthread_mutex_t lock;     /* guards what follows */
  pthread_cond_t todo_cond; /* a job was queued */
  pthread_cond_t done_cond; /* the item to finish next is done */
  GQueue todo;              /* Job */
  gpointer slots[WINDOW];
  gsize sizes[WINDOW];
  gboolean ready[WINDOW];
  gsize max_bytes, bytes; /* the bound, and the bytes of the items in flight */
  guint64 next_finish;    /* sequence number of the next item to finish */
  guint64 next_seq;       /* of the next item handed out */
  guint64 waiting_for;    /* the item the caller waits for, if it does */
};

/* An item and its place in the order; no item stops a thread. */
typedef struct {
  gpointer item;
  guint64 seq;
} Job;

static gpointer
worker (gpointer data)
{
  Pool *pool = data;
  for (;;) {
    pthread_mutex_lock (&pool->lock);
    while (g_queue_is_empty (&pool->todo))
      pthread_cond_wait (&pool->todo_cond, &pool->lock);
    Job *job = g_queue_pop_head (&pool->todo);
    pthread_mutex_unlock (&pool->lock);
    if (!job->item) {
      g_free (job);
      return NULL;
    }
    pool->work (job->item, pool->data);
    pthread_mutex_lock (&pool->lock);
    pool->ready[job->seq % WINDOW] = TRUE;
    /* Only the item the caller waits for is worth waking it up. */
    if (job->seq == pool->waiting_for)
      pthread_cond_signal (&pool->done_cond);
    pthread_mutex_unlock (&pool->lock);
    g_free (job);
  }
}

/* Waits until item SEQ (in the window) is done, working meanwhile on the
 * items no thread has taken: the caller is one of the pool's workers when
 * it would otherwise sleep, so JOBS threads are busy, not JOBS + 1. */
static void
wait_done (Pool *pool, guint64 seq)
{
  pthread_mutex_lock (&pool->lock);
  while (!pool->ready[seq % WINDOW]) {
    Job *job = g_queue_pop_head (&pool->todo);
    if (!job) {
      pool->waiting_for = seq;
      pthread_cond_wait (&pool->done_cond, &pool->lock);
      continue;
    }
    pthread_mutex_unlock (&pool->lock);
    pool->work (job->item, pool->data);
    pthread_mutex_lock (&pool->lock);
    pool->ready[job->seq % WINDOW] = TRUE;
    g_free (job);
  }
  pthread_mutex_unlock (&pool->lock);
}

/* Finishes every done item at the head of the window; with WAIT, waits
 * until the head item is done first. */
static void
drain (Pool *pool, gboolean wait)
{
  for (;;) {
    pthread_mutex_lock (&pool->lock);
    if (pool->next_finish == pool->next_seq) {
      pthread_mutex_unlock (&pool->lock);
      return;
    }
    guint slot = pool->next_finish % WINDOW;
    if (!pool->ready[slot]) {
      guint64 head = pool->next_finish;
      pthread_mutex_unlock (&pool->lock);
      if (!wait)
        return;
      wait_done (pool, head);
      continue;
    }
    gpointer item = pool->slots[slot];
    pool->slots[slot] = NULL;
    pool->ready[slot] = FALSE;
    pool->bytes -= pool->sizes[slot];
    pool->next_finish++;
    pthread_mutex_unlock (&pool->lock);
    pool->finish (item, pool->data);
    wait = FALSE;
  }
}

static void
queue_job (Pool *pool, Job *job)
{
  pthread_mutex_lock (&pool->lock);
  g_queue_push_tail (&pool->todo, job);
  pthread_cond_signal (&pool->todo_cond);
  pthread_mutex_unlock (&pool->lock);
}

Pool *
pool_new (int jobs, gsize max_bytes, PoolFunc work, PoolFunc finish, gpointer data)
{
  Pool *pool = g_new0 (Pool, 1);
  pool->max_bytes = max_bytes;
  pool->work = work;
  pool->finish = finish;
  pool->data = data;
  if (jobs > 1) {
    pthread_mutex_init (&pool->lock, NULL);
    pthread_cond_init (&pool->todo_cond, NULL);
    pthread_cond_init (&pool->done_cond, NULL);
    g_queue_init (&pool->todo);
    pool->n_threads = jobs - 1;
    pool->threads = g_new0 (GThread *, pool->n_threads);
    for (int i = 0; i < pool->n_threads; i++)
      pool->threads[i] = g_thread_new ("dsn-worker", worker, pool);
  }
  return pool;
}

void
pool_push (Pool *pool, gpointer item, gsize bytes)
{
  if (!pool->threads) {
    pool->work (item, pool->data);
    pool->finish (item, pool->data);
    return;
  }
  /* Keep the window bounded: wait for the oldest item before adding one.
   * The count and the bytes change only here and in drain(), both on this
   * thread. */
  while (
      pool->next_seq > pool->next_finish
      && (pool->next_seq - pool->next_finish >= WINDOW || pool->bytes + bytes > pool->max_bytes)) {
    /* A full window: wait for a quarter of it to be done, not for its
     * oldest item alone, which woke this thread (a context switch) for
     * almost every item. */
    if (pool->next_seq - pool->next_finish >= WINDOW)
      wait_done (pool, pool->next_finish + WINDOW / 4);
    drain (pool, TRUE);
  }
  pthread_mutex_lock (&pool->lock);
  guint64 seq = pool->next_seq++;
  pool->slots[seq % WINDOW] = item;
  pool->sizes[seq % WINDOW] = bytes;
  pool->bytes += bytes;
  pool->ready[seq % WINDOW] = FALSE;
  pthread_mutex_unlock (&pool->lock);
  Job *job = g_new0 (Job, 1);
  job->item = item;
  job->seq = seq;
  queue_job (pool, job);
  drain (pool, FALSE);
}

void
pool_free (Pool *pool)
{
  if (pool->threads) {
    while (pool->next_finish < pool->next_seq)
      drain (pool, TRUE);
    for (int i = 0; i < pool->n_threads; i++)
      queue_job (pool, g_new0 (Job, 1));
    for (int i = 0; i < pool->n_threads; i++)
      g_thread_join (pool->threads[i]);
    g_free (pool->threads);
    pthread_mutex_destroy (&pool->lock);
    pthread_cond_destroy (&pool->todo_cond);
    pthread_cond_destroy (&pool->done_cond);
  }
  g_free (pool);
}
