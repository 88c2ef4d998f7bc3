/*
 * Internal helpers shared by every kernel file: error reporting, checked
 * allocation and small numeric utilities.  Nothing here is public.
 */
#ifndef RV_INTERNAL_H
#define RV_INTERNAL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/grid.h"
#include "ranvier/ranvier.h"

struct rv_sim;

/* Records a formatted message on the simulation and returns status, so a
 * check reads: if (bad) return rv__fail(sim, RV_ERR_VALUE, "..."). */
rv_status rv__fail(struct rv_sim *sim, rv_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Clears the message: every public entry point calls it first. */
void rv__clear_error(struct rv_sim *sim);

/* Allocation that never aborts.  Sizes are checked for overflow. */
void *rv__calloc(size_t count, size_t size);
void *rv__realloc_array(void *ptr, size_t count, size_t size);
void rv__free(void *ptr);
/* How many allocations (rv__calloc, rv__realloc_array) have been made. */
int64_t rv__allocations(void);
/* For tests: the k-th allocation from now (k >= 1) fails as if out of
 * memory; k <= 0 turns the injection off.  Process-wide. */
void rv__fail_allocation(int64_t k);
/* Asks the system to back a large block with huge pages (Linux, where
 * transparent huge pages are on "madvise"): the input rings take random
 * writes over tens of megabytes, which on 4 KiB pages miss the TLB on
 * nearly every synaptic event.  A hint; nothing changes when refused. */
void rv__advise_huge(void *ptr, size_t bytes);

/* Grows *buf (capacity *cap, elements of elem bytes) to hold need
 * elements; returns 0 on success, -1 when out of memory (buffer intact). */
int rv__reserve(void **buf, int64_t *cap, int64_t need, size_t elem);

static inline int rv__isfinite(double x)
{
    return isfinite(x);
}

#endif
