/* Error messages and allocation (see internal.h). */
#define _DEFAULT_SOURCE 1   /* madvise */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "core/internal.h"
#include "core/sim.h"

rv_status rv__fail(struct rv_sim *sim, rv_status status, const char *fmt, ...)
{
    if (sim) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sim->errmsg, sizeof sim->errmsg, fmt, ap);
        va_end(ap);
    }
    return status;
}

void rv__clear_error(struct rv_sim *sim)
{
    if (sim)
        sim->errmsg[0] = '\0';
}

/* Every allocation the library makes, counted so that a test can check
 * that a model's update() makes none (tests/c/test_model_blocks.c). */
static _Atomic int64_t allocations;

/* Allocation-failure injection for tests (tests/c/test_alloc_failure.c):
 * the allocation whose count reaches fail_at fails, as if out of memory.
 * 0 (the default) never fails.  One relaxed load per allocation. */
static _Atomic int64_t fail_at;

int64_t rv__allocations(void)
{
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}

void rv__fail_allocation(int64_t k)
{
    int64_t now = atomic_load_explicit(&allocations, memory_order_relaxed);
    atomic_store_explicit(&fail_at, k > 0 ? now + k : 0, memory_order_relaxed);
}

/* Counts an allocation; whether it is the one to fail. */
static int count_allocation(void)
{
    int64_t n = atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed) + 1;
    return n == atomic_load_explicit(&fail_at, memory_order_relaxed);
}

void *rv__calloc(size_t count, size_t size)
{
    if (count_allocation())
        return NULL;
    if (count == 0 || size == 0)
        return calloc(1, 1);
    if (count > SIZE_MAX / size)
        return NULL;
    return calloc(count, size);
}

void *rv__realloc_array(void *ptr, size_t count, size_t size)
{
    if (count_allocation())
        return NULL;   /* ptr intact, as realloc leaves it on failure */
    if (count == 0 || size == 0)
        count = size = 1;
    if (count > SIZE_MAX / size)
        return NULL;
    return realloc(ptr, count * size);
}

void rv__free(void *ptr)
{
    free(ptr);
}

int rv__reserve(void **buf, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int64_t new_cap = *cap > 0 ? *cap : 16;
    while (new_cap < need)
        new_cap = new_cap < INT64_MAX / 2 ? new_cap * 2 : need;
    void *p = rv__realloc_array(*buf, (size_t)new_cap, elem);
    if (!p)
        return -1;
    *buf = p;
    *cap = new_cap;
    return 0;
}

void rv__advise_huge(void *ptr, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (!ptr || bytes < 2 * huge)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)ptr + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t hi = ((uintptr_t)ptr + bytes) & ~(uintptr_t)(page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);   /* a hint: failure is harmless */
#else
    (void)ptr;
    (void)bytes;
#endif
}
