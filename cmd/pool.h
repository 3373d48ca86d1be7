/* An ordered worker pool: threads take items from the input, a batch at a
 * time, and work on them in parallel; each item is finished on the
 * caller's thread in input order (dsn-explain's results keep the input's
 * order whatever the number of threads).
 * SPDX-License-Identifier: BSD-2-Clause */
#ifndef DSN_CMD_POOL_H
#define DSN_CMD_POOL_H

#include <glib.h>

/* The next item of the input, NULL at its end; called by one thread at a
 * time. *BYTES is the item's size (bounds memory, see pool_run()); *SLOW
 * says it came from an input that may keep the next one waiting (a pipe, a
 * terminal): it is worked on at once rather than with the items after it.
 * Both are 0 and FALSE unless NEXT sets them. */
typedef gpointer (*PoolNext) (gpointer data, gsize *bytes, gboolean *slow);
typedef void (*PoolFunc) (gpointer item, gpointer data);

/* Runs NEXT to the end: WORK on every item on JOBS threads, then FINISH on
 * the caller's thread, in the order NEXT gave them; all three get DATA.
 * With one job there is no thread: each item is read, worked on and
 * finished in turn. With more, each thread reads a batch of items and
 * works on them (one lock per batch), and the caller only finishes; at
 * most a fixed window of items, and about MAX_BYTES of them, are in
 * flight, so memory stays bounded whatever the input (a single item larger
 * than MAX_BYTES still goes, alone). */
void pool_run (int jobs, gsize max_bytes, PoolNext next, PoolFunc work, PoolFunc finish,
               gpointer data);

#endif
