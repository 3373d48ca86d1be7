/* An ordered worker pool: the caller hands out items in order, threads
 * work on them in parallel, and each item is finished on the caller's
 * thread in the order it was handed out (dsn-explain's results keep the
 * input's order whatever the number of threads).
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_CMD_POOL_H
#define DSN_CMD_POOL_H

#include <glib.h>

typedef struct _Pool Pool;
typedef void (*PoolFunc) (gpointer item, gpointer data);

/* Returns a pool of JOBS threads running WORK on each item, then FINISH on
 * the caller's thread; both get DATA. With one job there is no thread: an
 * item is worked on and finished as it is pushed. */
Pool *pool_new (int jobs, PoolFunc work, PoolFunc finish, gpointer data);
/* Hands out ITEM (not NULL) and finishes the items done meanwhile. At most
 * a fixed window of items is in flight, so memory stays bounded whatever the
 * size of the input: beyond it, waits for the oldest. */
void pool_push (Pool *pool, gpointer item);
/* Finishes every item handed out, stops the threads and frees POOL. */
void pool_free (Pool *pool);

#endif
