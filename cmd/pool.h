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
 * the caller's thread; both get DATA. The caller is one of them: JOBS - 1
 * threads are started, and the caller works on items while it waits for
 * one to finish (JOBS busy threads, not JOBS + 1). With one job there is
 * no thread: an
 * item is worked on and finished as it is pushed. MAX_BYTES bounds the sizes
 * of the items in flight (see pool_push()). */
Pool *pool_new (int jobs, gsize max_bytes, PoolFunc work, PoolFunc finish, gpointer data);
/* Hands out ITEM (not NULL), of BYTES bytes, and finishes the items done
 * meanwhile. At most a fixed window of items, and of bytes, is in flight,
 * so memory stays bounded whatever the input: beyond either, waits for the
 * oldest. A single item larger than the byte bound still goes, alone. */
void pool_push (Pool *pool, gpointer item, gsize bytes);
/* Finishes every item handed out, stops the threads and frees POOL. */
void pool_free (Pool *pool);

#endif
