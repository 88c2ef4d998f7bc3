/*
 * Rows: the synapses of a projection onto one block, grouped by source
 * (see synapse.h), and how they are made -- a batch of new connections
 * merged into existing rows, or rows regrouped for other blocks.
 *
 * Merging takes the batch's connections in target order (a counting sort
 * first, unless the batch is already ordered by target, as the connection
 * rules and PyNN's connectors make it), scatters each to the front of its
 * source's new row, then merges each row's new connections with its old
 * ones by target, old ones first among equal targets: rows stay in
 * canonical order (by target, then creation).  Besides the new rows it
 * needs 4 bytes per source neuron, and 4 bytes per new connection when
 * the batch is not ordered by target.
 */
#include <string.h>

#include "core/internal.h"
#include "synapses/synapse.h"

void rv__rows_free(rv__rows *r, const rv__synmodel *syn, int n_state)
{
    if (!r)
        return;
    rv__free(r->src);
    rv__free(r->off);
    rv__free(r->target);
    rv__free(r->weight.v);
    rv__free(r->delay.v);
    for (int k = 0; r->extra && k < syn->n_params; k++)
        rv__free(r->extra[k].v);
    rv__free(r->extra);
    for (int k = 0; r->state && k < n_state; k++)
        rv__free(r->state[k]);
    rv__free(r->state);
    memset(r, 0, sizeof *r);
}

int64_t rv__rows_memory(const rv__rows *r, const rv__synmodel *syn, int n_state)
{
    int64_t n = r->n;
    int64_t b = r->n_src * (int64_t)(sizeof *r->src + sizeof *r->off)
                + (r->off ? (int64_t)sizeof *r->off : 0) + n * 4
                + (r->weight.v ? n * 8 : 0) + (r->delay.v ? n * 2 : 0);
    for (int k = 0; r->extra && k < syn->n_params; k++)
        b += r->extra[k].v ? n * 8 : 0;
    return b + (r->state ? (int64_t)n_state * n * 8 : 0);
}

/* ---- one value or an array ------------------------------------------------------ */

/* Whether column c of the batch holds one value x over the m connections
 * at in[0..m) (in NULL: the first m). */
static int batch_uniform(const rv__batch *b, int c, const uint32_t *in, int64_t m, double *x)
{
    const double *v = b->col[c];
    if (m == 0) {   /* nothing new: the old rows decide */
        *x = 0.0;
        return 1;
    }
    if (b->stride[c] == 0) {
        *x = v[0];
        return 1;
    }
    *x = v[in ? in[0] : 0];
    for (int64_t k = 1; k < m; k++)
        if (v[in ? in[k] : k] != *x)
            return 0;
    return 1;
}

/* The column of the merged rows: one value when the old rows and the new
 * connections share it, else an array of `total` entries. */
static int dcol_for(rv__dcol *out, const rv__dcol *old, int64_t n_old, const rv__batch *b, int c,
                    const uint32_t *in, int64_t m, int64_t total)
{
    double x;
    int uniform = batch_uniform(b, c, in, m, &x);
    if (m == 0)
        x = old->all;
    if (uniform && !old->v && (n_old == 0 || old->all == x)) {
        out->v = NULL;
        out->all = n_old ? old->all : x;
        return 0;
    }
    out->all = n_old ? old->all : x;
    out->v = rv__calloc((size_t)total, sizeof(double));
    return out->v ? 0 : -1;
}

static int u16col_for(rv__u16col *out, const rv__u16col *old, int64_t n_old, const rv__batch *b,
                      const uint32_t *in, int64_t m, int64_t total)
{
    double x;
    int uniform = batch_uniform(b, 1, in, m, &x);
    uint16_t d = m ? (uint16_t)x : old->all;
    if (uniform && !old->v && (n_old == 0 || old->all == d)) {
        out->v = NULL;
        out->all = n_old ? old->all : d;
        return 0;
    }
    out->all = n_old ? old->all : d;
    out->v = rv__calloc((size_t)total, sizeof(uint16_t));
    return out->v ? 0 : -1;
}

/* ---- merging a batch -------------------------------------------------------------- */

/* Position in the batch of the k-th selected connection in target order
 * (`in` NULL: the k-th connection itself). */
static inline int64_t pick(const uint32_t *in, int64_t k)
{
    return in ? in[k] : k;
}

/* The selected connections in (target, creation) order: *in is sel itself
 * when the batch is already ordered by target (as the connection rules and
 * PyNN's connectors make it), else a counting sort of it into *owned. */
static int by_target(const rv__batch *b, const uint32_t *sel, int64_t m, int64_t lo,
                     int64_t n_block, const uint32_t **in, uint32_t **owned)
{
    *owned = NULL;
    *in = sel;
    if (b->post_sorted)
        return 0;
    uint32_t *count = rv__calloc((size_t)n_block + 1, sizeof *count);
    uint32_t *by_post = rv__calloc((size_t)m + 1, sizeof *by_post);
    if (!count || !by_post) {
        rv__free(count);
        rv__free(by_post);
        return -1;
    }
    for (int64_t k = 0; k < m; k++)
        count[b->post[pick(sel, k)] - lo + 1]++;
    for (int64_t t = 0; t < n_block; t++)
        count[t + 1] += count[t];
    for (int64_t k = 0; k < m; k++) {
        int64_t at = pick(sel, k);
        by_post[count[b->post[at] - lo]++] = (uint32_t)at;
    }
    rv__free(count);
    *in = *owned = by_post;
    return 0;
}

/* The merged source table: the union of the old sources and those with
 * new connections (n_new[i] > 0).  Gives the table size. */
static int64_t merged_sources(const rv__rows *old, const uint32_t *n_new, int64_t n_pre,
                              uint32_t *src)
{
    int64_t a = 0, n = 0;
    for (int64_t i = 0; i < n_pre; i++) {
        int is_old = a < old->n_src && old->src[a] == (uint32_t)i;
        if (is_old)
            a++;
        if (is_old || n_new[i] > 0)
            src[n++] = (uint32_t)i;
    }
    return n;
}

/* Row offsets of the merged rows; cursor[i] (source i's number of new
 * connections) becomes the start of its row, where its new connections go. */
static void merged_offsets(const rv__rows *old, rv__rows *r, uint32_t *cursor)
{
    int64_t a_src = 0, at = 0;
    for (int64_t s = 0; s < r->n_src; s++) {
        uint32_t i = r->src[s];
        int64_t n_old = 0;
        if (a_src < old->n_src && old->src[a_src] == i) {
            n_old = old->off[a_src + 1] - old->off[a_src];
            a_src++;
        }
        r->off[s] = at;
        at += n_old + cursor[i];
        cursor[i] = (uint32_t)r->off[s];
    }
    r->off[r->n_src] = at;
}

/* Each new connection goes to the next free place of its source's row:
 * taken in target order, every row's new part comes out ordered by
 * (target, creation).  A scatter through one cursor per source keeps the
 * rows' current cache lines resident, where gathering each row's
 * connections from the batch would miss the cache on every one. */
static void scatter_new(rv__rows *r, const rv__batch *b, const uint32_t *in, int64_t m,
                        int64_t lo, int ne, uint32_t *cursor)
{
    for (int64_t k = 0; k < m; k++) {
        int64_t at = pick(in, k);
        int64_t to = cursor[b->pre[at]]++;
        r->target[to] = (uint32_t)(b->post[at] - lo);
        if (r->weight.v)
            r->weight.v[to] = b->col[0][b->stride[0] ? at : 0];
        if (r->delay.v)
            r->delay.v[to] = (uint16_t)b->col[1][b->stride[1] ? at : 0];
        for (int e = 0; e < ne; e++)
            if (r->extra[e].v)
                r->extra[e].v[to] = b->col[2 + e][b->stride[2 + e] ? at : 0];
    }
}

/* Entry `to` of the merged rows from old entry a. */
static void copy_old(rv__rows *r, int64_t to, const rv__rows *old, int64_t a, int ne)
{
    r->target[to] = old->target[a];
    if (r->weight.v)
        r->weight.v[to] = rv__col(&old->weight, a);
    if (r->delay.v)
        r->delay.v[to] = old->delay.v ? old->delay.v[a] : old->delay.all;
    for (int e = 0; e < ne; e++)
        if (r->extra[e].v)
            r->extra[e].v[to] = rv__col(&old->extra[e], a);
}

/* Entry `to` of the merged rows from entry c of the same rows. */
static void move_new(rv__rows *r, int64_t to, int64_t c, int ne)
{
    r->target[to] = r->target[c];
    if (r->weight.v)
        r->weight.v[to] = r->weight.v[c];
    if (r->delay.v)
        r->delay.v[to] = r->delay.v[c];
    for (int e = 0; e < ne; e++)
        if (r->extra[e].v)
            r->extra[e].v[to] = r->extra[e].v[c];
}

/* Every row with old connections: its new ones (at the front of the row)
 * merged with its old ones (from `old`) by target, old first among equal
 * targets.  From the back: the place written is never before the new
 * entry read, so nothing is overwritten before it has moved. */
static void merge_old(rv__rows *r, const rv__rows *old, int ne)
{
    int64_t a_src = 0;
    for (int64_t s = 0; s < r->n_src && a_src < old->n_src; s++) {
        if (old->src[a_src] != r->src[s])
            continue;
        int64_t a0 = old->off[a_src], a = old->off[a_src + 1];
        a_src++;
        int64_t row = r->off[s], to = r->off[s + 1], c = to - (a - a0);
        while (a > a0) {
            to--;
            if (c > row && r->target[c - 1] >= old->target[a - 1]) {
                c--;
                move_new(r, to, c, ne);
            } else {
                a--;
                copy_old(r, to, old, a, ne);
            }
        }
    }
}

int rv__rows_merge(rv__rows *out, const rv__rows *old, const rv__batch *b, const uint32_t *sel,
                   int64_t m, int64_t lo, int64_t n_block, int64_t n_pre,
                   const rv__synmodel *syn)
{
    static const rv__rows empty;
    if (!old)
        old = &empty;
    int ne = syn->n_params;
    int64_t total = old->n + m;
    rv__rows r;
    memset(&r, 0, sizeof r);
    const uint32_t *in = NULL;
    uint32_t *owned = NULL;
    uint32_t *cursor = rv__calloc((size_t)n_pre + 1, sizeof *cursor);
    uint32_t *src = rv__calloc((size_t)(old->n_src + m) + 1, sizeof *src);
    int failed = !cursor || !src || by_target(b, sel, m, lo, n_block, &in, &owned);
    if (!failed) {
        for (int64_t k = 0; k < m; k++)
            cursor[b->pre[pick(in, k)]]++;
        r.n_src = merged_sources(old, cursor, n_pre, src);
        r.src = rv__realloc_array(src, (size_t)r.n_src + 1, sizeof *src);
        if (r.src)
            src = NULL;
        r.off = rv__calloc((size_t)r.n_src + 1, sizeof *r.off);
        r.target = rv__calloc((size_t)total + 1, sizeof *r.target);
        r.extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *r.extra);
        failed = !r.src || !r.off || !r.target || !r.extra
                 || dcol_for(&r.weight, &old->weight, old->n, b, 0, in, m, total)
                 || u16col_for(&r.delay, &old->delay, old->n, b, in, m, total);
        for (int e = 0; e < ne && !failed; e++)
            failed = dcol_for(&r.extra[e], old->extra ? &old->extra[e] : &(rv__dcol){NULL, 0.0},
                              old->n, b, 2 + e, in, m, total);
    }
    if (failed) {
        rv__free(cursor);
        rv__free(src);
        rv__free(owned);
        rv__rows_free(&r, syn, 0);
        return -1;
    }
    merged_offsets(old, &r, cursor);
    scatter_new(&r, b, in, m, lo, ne, cursor);
    merge_old(&r, old, ne);
    r.n = total;
    rv__free(cursor);
    rv__free(owned);
    *out = r;
    return 0;
}

/* ---- regrouping for other blocks ---------------------------------------------------- */

/* First position in [lo, hi) of row entries whose target is >= t. */
static int64_t first_target(const uint32_t *target, int64_t lo, int64_t hi, int64_t t)
{
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((int64_t)target[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rv__rows_regroup(rv__rows *out, const rv__rows *old, const int64_t *old_lo, int n_old,
                     int64_t lo, int64_t n_block, const rv__synmodel *syn, int n_state)
{
    int ne = syn->n_params;
    int64_t hi = lo + n_block;
    rv__rows r;
    memset(&r, 0, sizeof r);
    /* the old blocks that overlap [lo, hi), and the pieces of their rows */
    int64_t n = 0, n_src_max = 0;
    for (int q = 0; q < n_old; q++) {
        int64_t qlo = old_lo[q], qhi = old_lo[q + 1];
        if (qhi <= lo || qlo >= hi || old[q].n == 0)
            continue;
        n_src_max += old[q].n_src;
        for (int64_t s = 0; s < old[q].n_src; s++) {
            int64_t b0 = first_target(old[q].target, old[q].off[s], old[q].off[s + 1], lo - qlo);
            int64_t b1 = first_target(old[q].target, b0, old[q].off[s + 1], hi - qlo);
            n += b1 - b0;
        }
    }
    int any_w = 0, any_d = 0, any_e[RV__MAX_SYN_PARAMS] = {0};
    double w0 = 0.0, e0[RV__MAX_SYN_PARAMS] = {0};
    uint16_t d0 = 1;
    int first = 1;
    for (int q = 0; q < n_old; q++) {
        if (old_lo[q + 1] <= lo || old_lo[q] >= hi || old[q].n == 0)
            continue;
        const rv__rows *o = &old[q];
        if (first) {
            w0 = o->weight.all;
            d0 = o->delay.all;
            for (int e = 0; e < ne; e++)
                e0[e] = o->extra[e].all;
        }
        any_w |= o->weight.v != NULL || (!first && o->weight.all != w0);
        any_d |= o->delay.v != NULL || (!first && o->delay.all != d0);
        for (int e = 0; e < ne; e++)
            any_e[e] |= o->extra[e].v != NULL || (!first && o->extra[e].all != e0[e]);
        first = 0;
    }
    r.src = rv__calloc((size_t)n_src_max + 1, sizeof *r.src);
    r.off = rv__calloc((size_t)n_src_max + 1, sizeof *r.off);
    r.target = rv__calloc((size_t)n + 1, sizeof *r.target);
    r.extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *r.extra);
    r.weight.all = w0;
    r.delay.all = d0;
    int failed = !r.src || !r.off || !r.target || !r.extra
                 || (any_w && !(r.weight.v = rv__calloc((size_t)n + 1, sizeof(double))))
                 || (any_d && !(r.delay.v = rv__calloc((size_t)n + 1, sizeof(uint16_t))));
    for (int e = 0; e < ne && !failed; e++) {
        r.extra[e].all = e0[e];
        failed = any_e[e] && !(r.extra[e].v = rv__calloc((size_t)n + 1, sizeof(double)));
    }
    if (!failed && n_state > 0 && n > 0) {
        r.state = rv__calloc((size_t)n_state, sizeof *r.state);
        failed = !r.state;
        for (int k = 0; k < n_state && !failed; k++)
            failed = !(r.state[k] = rv__calloc((size_t)n + 1, sizeof(double)));
    }
    if (failed) {
        rv__rows_free(&r, syn, n_state);
        return -1;
    }
    /* sources in ascending order, each one's pieces block by block */
    int64_t *cursor = rv__calloc((size_t)n_old, sizeof *cursor);
    if (!cursor) {
        rv__rows_free(&r, syn, n_state);
        return -1;
    }
    int64_t at = 0;
    for (;;) {
        int64_t next = INT64_MAX;
        for (int q = 0; q < n_old; q++)
            if (old_lo[q + 1] > lo && old_lo[q] < hi && cursor[q] < old[q].n_src
                && old[q].src[cursor[q]] < next)
                next = old[q].src[cursor[q]];
        if (next == INT64_MAX)
            break;
        int64_t row_start = at;
        for (int q = 0; q < n_old; q++) {
            if (!(old_lo[q + 1] > lo && old_lo[q] < hi && cursor[q] < old[q].n_src
                  && old[q].src[cursor[q]] == next))
                continue;
            const rv__rows *o = &old[q];
            int64_t s = cursor[q]++, qlo = old_lo[q];
            int64_t b0 = first_target(o->target, o->off[s], o->off[s + 1], lo - qlo);
            int64_t b1 = first_target(o->target, b0, o->off[s + 1], hi - qlo);
            for (int64_t j = b0; j < b1; j++, at++) {
                r.target[at] = (uint32_t)(o->target[j] + qlo - lo);
                if (r.weight.v)
                    r.weight.v[at] = rv__col(&o->weight, j);
                if (r.delay.v)
                    r.delay.v[at] = o->delay.v ? o->delay.v[j] : o->delay.all;
                for (int e = 0; e < ne; e++)
                    if (r.extra[e].v)
                        r.extra[e].v[at] = rv__col(&o->extra[e], j);
                for (int k = 0; r.state && k < n_state; k++)
                    r.state[k][at] = o->state[k][j];
            }
        }
        if (at > row_start) {
            r.src[r.n_src] = (uint32_t)next;
            r.off[r.n_src++] = row_start;
        }
    }
    rv__free(cursor);
    r.off[r.n_src] = at;
    r.n = at;
    *out = r;
    return 0;
}

/* ---- one block's part of a batch ------------------------------------------------------ */

/* The first connection of a batch sorted by target whose target is >= t. */
static int64_t first_at(const rv__batch *b, int64_t t)
{
    int64_t lo = 0, hi = b->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((int64_t)b->post[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The part [k0, k1) of a batch, as a batch. */
static rv__batch sub_batch(const rv__batch *b, int64_t k0, int64_t k1)
{
    rv__batch s = *b;
    s.n = k1 - k0;
    s.pre = b->pre + k0;
    s.post = b->post + k0;
    for (int c = 0; c < 2 + RV__MAX_SYN_PARAMS; c++)
        if (s.col[c] && s.stride[c])
            s.col[c] = b->col[c] + k0;
    return s;
}

int rv__rows_merge_block(rv__rows *out, const rv__rows *old, const rv__batch *b, int64_t lo,
                         int64_t n_block, int64_t n_pre, const rv__synmodel *syn, int64_t *m_out)
{
    if (b->post_sorted) {   /* the block's connections are one run of the batch */
        int64_t k0 = first_at(b, lo), k1 = first_at(b, lo + n_block);
        rv__batch part = sub_batch(b, k0, k1);
        *m_out = k1 - k0;
        return rv__rows_merge(out, old, &part, NULL, k1 - k0, lo, n_block, n_pre, syn);
    }
    int64_t m = 0;
    for (int64_t k = 0; k < b->n; k++)
        m += b->post[k] >= lo && b->post[k] < lo + n_block;
    uint32_t *sel = rv__calloc((size_t)m + 1, sizeof *sel);
    if (!sel)
        return -1;
    int64_t c = 0;
    for (int64_t k = 0; k < b->n; k++)
        if (b->post[k] >= lo && b->post[k] < lo + n_block)
            sel[c++] = (uint32_t)k;
    int err = rv__rows_merge(out, old, b, sel, m, lo, n_block, n_pre, syn);
    rv__free(sel);
    *m_out = m;
    return err;
}
