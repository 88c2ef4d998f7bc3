/*
 * numpy's legacy RandomState streams, in C.
 *
 * PyNN semantics require that connections and values drawn from a user's
 * NumpyRNG are exactly those PyNN's own (column-by-column) algorithm draws
 * from its numpy.random.RandomState.  These functions make the same draws
 * in bulk: they start from the state RandomState.get_state() gives
 * (MT19937 key[624] and position, and the cached second Gaussian) and leave
 * the state that the same sequence of RandomState calls would leave, so
 * that the caller can write it back with set_state().
 *
 * What is reproduced (numpy >= 1.17 legacy RandomState; MT19937 is
 * Matsumoto and Nishimura's generator, tempered 32-bit words):
 *   - random_sample: a double from two words, (a >> 5) * 2**26 + (b >> 6),
 *     divided by 2**53;
 *   - the legacy Gaussian: polar Box-Muller on 2 * random_sample - 1 pairs,
 *     redrawn while r2 >= 1 or r2 == 0; of the two values f * x2 is
 *     returned and f * x1 cached (has_gauss); taking the cached value
 *     clears it and sets gauss to 0.0, as numpy does;
 *   - normal(loc, scale) = loc + scale * gauss;
 *   - randint(0, high) for 1 <= high <= 2**32, as legacy RandomState makes
 *     it: high == 1 consumes nothing; otherwise the first 32-bit word w with
 *     (w & mask) <= high - 1, mask the smallest 2**k - 1 >= high - 1;
 *   - PyNN's NumpyRNG.normal_clipped (WrappedRNG._clipped), column by
 *     column: draw the column's n values, then redraw the out-of-range ones
 *     in index order, round after round, at most max_redraws + 1 rounds.
 *
 * The arithmetic must be that of numpy's own C code: this file is compiled
 * without floating-point contraction (no FMA) and without fast-math, and
 * calls the C library's log() and sqrt(), as numpy does.
 *
 * No Python here: the bindings are in _numpy_rng.c.  Each function works on
 * one nps_state, so independent states can be drawn from in parallel.
 */
#ifndef RANVIER_NUMPY_STREAM_H
#define RANVIER_NUMPY_STREAM_H

#include <stdint.h>

#define NPS_KEY_LEN 624

typedef struct {
    uint32_t key[NPS_KEY_LEN];
    int pos;          /* next key word to temper; NPS_KEY_LEN: regenerate the key first */
    int has_gauss;    /* a second Gaussian is cached in `gauss` */
    double gauss;
} nps_state;

typedef enum {
    NPS_OK = 0,
    NPS_REDRAWS = 1,   /* normal_clipped: out-of-range values after max_redraws + 1 rounds */
    NPS_SCALE = 2,     /* normal: scale < 0 (numpy's ValueError "scale < 0") */
    NPS_NOMEM = 3
} nps_status;

/* The next tempered 32-bit MT19937 word. */
uint32_t nps_next32(nps_state *s);
/* random_sample(): a double in [0, 1) with 53 random bits. */
double nps_next_double(nps_state *s);
/* The legacy standard Gaussian (with the cache). */
double nps_gauss(nps_state *s);

/* n words, doubles, standard Gaussians. */
void nps_fill32(nps_state *s, int64_t n, uint32_t *out);
void nps_fill_double(nps_state *s, int64_t n, double *out);
void nps_fill_gauss(nps_state *s, int64_t n, double *out);

/* randint(0, high, size=n); 1 <= high <= 2**32 (checked by the caller). */
void nps_randint(nps_state *s, uint64_t high, int64_t n, uint32_t *out);

/* n rounds of randint(0, high_a, 1) then randint(0, high_b, 1). */
void nps_randint_pairs(nps_state *s, uint64_t high_a, uint64_t high_b, int64_t n,
                       uint32_t *a, uint32_t *b);

/* The same n rounds as (source, target) pairs, grouped by target in a
 * stable order (the order np.argsort(targets, kind='stable') gives):
 * pre[] the sources, post[] the targets (non-decreasing), counts[] (n_post
 * entries, written) the number of pairs per target.  Needs 4n bytes of
 * scratch; NPS_NOMEM if they cannot be had (nothing is then drawn). */
nps_status nps_pairs_by_target(nps_state *s, uint64_t n_pre, uint64_t n_post, int64_t n,
                               uint32_t *pre, uint32_t *post, int64_t *counts);

/* Column after column (counts[c] values each, empty columns skipped),
 * normal(loc, scale) values, or with clip normal_clipped(loc, scale, low,
 * high) values as PyNN draws them, into out[sum(counts)].  On NPS_REDRAWS
 * or NPS_SCALE, *failed_column is the column where PyNN would raise. */
nps_status nps_normal_columns(nps_state *s, double loc, double scale, int clip, double low,
                              double high, int64_t max_redraws, const int64_t *counts,
                              int64_t n_columns, double *out, int64_t *failed_column);

#endif
