/*
 * SpikeSourcePoisson -- homogeneous Poisson spike train in
 * [start, start + duration) (PyNN SpikeSourcePoisson; NEST
 * poisson_generator).
 *
 * Spike times are drawn in continuous time: successive intervals are
 * exponential with mean 1000/rate ms, so several spikes may fall in one
 * step (rates above 1/dt are legal, as in NEST).  A spike at time t is
 * recorded at t and delivered at the first grid point >= t.  When the rate,
 * start or duration change between runs the next spike is redrawn from the
 * current time, which is exact for a memoryless process.
 *
 * Random numbers: each neuron has its own Philox stream, keyed by the seed
 * and its gid (so the train does not depend on how neurons are
 * distributed).  Each block of the stream gives two unit exponentials,
 * -log u of two 53-bit uniforms; a neuron keeps up to four of them ready
 * and takes the last one first.  A neuron that fired in a step and has
 * room for two more then gets its next block, computed for many neurons at
 * once (rv__philox4x32_10_many) -- background inputs of a few kHz per
 * neuron spend most of their time here, and the batch is several times
 * cheaper than one block per spike.  A neuron that runs dry inside a step draws
 * its block on its own, from the same stream, so the numbers a neuron
 * uses do not depend on how they were batched.
 *
 * Parameters                     unit  default  rule
 *     rate      mean firing rate   Hz      1     in [0, 1e9] (a billion spikes
 *                                                 per second is far beyond any
 *                                                 use, and bounds the work)
 *     start     onset              ms      0     >= 0
 *     duration  length             ms    1e10    >= 0 (inf allowed)
 * No state variables; internal: time of the next spike, the next block of
 * the neuron's stream, how many exponentials are ready, and those four;
 * derived: the mean interval 1000 / rate and the end of the window.
 */
#include <math.h>
#include <string.h>

#include "models/model.h"

enum { RATE, START, DURATION };
enum { NEXT_T, BLOCK, READY, E0, E1, E2, E3, E4, E5, E6, E7, N_INTERNAL };
/* The stock holds up to 8 exponentials; a neuron that fired is topped up
 * to at least LOW + 1, so that the next step can take 4 without looking. */
#define STOCK 8
#define LOW 4
enum { INTERVAL, STOP, N_DERIVED };   /* 1000 / rate (ms), start + duration */
/* Mean interval, in steps, above which a source is sparse (see update). */
#define SPARSE 2.0
/* Neurons whose next blocks are computed together. */
#define CHUNK 64

static const rv__param_desc params[] = {
    {"rate", "Hz", 1.0, RV__RATE},
    {"start", "ms", 0.0, RV__NONNEG},
    {"duration", "ms", 1e10, RV__NONNEG_OR_INF},
};

/* The key of every Poisson neuron's stream (the counter holds the block
 * and the gid). */
static void stream_key(uint64_t seed, uint32_t key[2])
{
    rv__stream s;
    rv__stream_init(&s, seed, RV__RNG_POISSON, 0, 0);
    key[0] = s.key[0];
    key[1] = s.key[1];
}

/* Appends the unit exponentials x0, x1 to neuron i's stock. */
static void stock(const rv__block *p, int64_t i, double x0, double x1)
{
    double *const *s = p->state;
    int ready = (int)s[READY][i];
    s[E0 + ready][i] = x0;
    s[E0 + ready + 1][i] = x1;
    s[READY][i] = ready + 2;
    s[BLOCK][i] += 1.0;
}

/* One block for neuron i, on its own. */
static void refill_one(const rv__block *p, int64_t i, const uint32_t key[2])
{
    uint64_t block = (uint64_t)p->state[BLOCK][i], gid = (uint64_t)(p->first_gid + i);
    uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)gid,
                       (uint32_t)(gid >> 32)}, w[4];
    rv__philox4x32_10(ctr, key, w);
    stock(p, i, -rv__log_unit(rv__unit_from(w[0], w[1])),
          -rv__log_unit(rv__unit_from(w[2], w[3])));
}

/* The unit exponentials of m blocks' words: x0[k], x1[k] from block k.
 * The same arithmetic as refill_one, in a loop that vectorises. */
RV__VECTOR_KERNEL
static void exponentials(int64_t m, const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                         const uint32_t *w3, double *x0, double *x1)
{
    for (int64_t k = 0; k < m; k++) {
        x0[k] = -rv__log_unit(rv__unit_from(w0[k], w1[k]));
        x1[k] = -rv__log_unit(rv__unit_from(w2[k], w3[k]));
    }
}

/* Neurons sel[0..m) get blocks, computed together, until each has more
 * than LOW exponentials (sel is overwritten). */
static void refill(const rv__block *p, int64_t *sel, int64_t m, const uint32_t key[2])
{
    uint32_t c0[CHUNK], c1[CHUNK], c2[CHUNK], c3[CHUNK], w0[CHUNK], w1[CHUNK], w2[CHUNK],
        w3[CHUNK];
    double x0[CHUNK], x1[CHUNK];
    const double *block = p->state[BLOCK], *ready = p->state[READY];
    while (m > 0) {
        for (int64_t k = 0; k < m; k++) {
            uint64_t b = (uint64_t)block[sel[k]], gid = (uint64_t)(p->first_gid + sel[k]);
            c0[k] = (uint32_t)b;
            c1[k] = (uint32_t)(b >> 32);
            c2[k] = (uint32_t)gid;
            c3[k] = (uint32_t)(gid >> 32);
        }
        rv__philox4x32_10_many(m, c0, c1, c2, c3, key, w0, w1, w2, w3);
        exponentials(m, w0, w1, w2, w3, x0, x1);
        int64_t again = 0;
        for (int64_t k = 0; k < m; k++) {
            stock(p, sel[k], x0[k], x1[k]);
            if (ready[sel[k]] <= LOW)
                sel[again++] = sel[k];
        }
        m = again;
    }
}

/* A unit exponential for neuron i (its stock is refilled if empty). */
static double take(const rv__block *p, int64_t i, const uint32_t key[2])
{
    if (p->state[READY][i] < 1.0)
        refill_one(p, i, key);
    int last = (int)p->state[READY][i] - 1;
    p->state[READY][i] = last;
    return p->state[E0 + last][i];
}

/* The spike after time t of neuron i, or INFINITY past its window. */
static double next_after(const rv__block *p, int64_t i, double t, const uint32_t key[2])
{
    double interval = p->derived[INTERVAL][i], stop = p->derived[STOP][i];
    if (interval == INFINITY || t >= stop)
        return INFINITY;
    double next = t + take(p, i, key) * interval;
    /* An interval below the resolution of t would not advance time. */
    if (!(next > t))
        next = nextafter(t, INFINITY);
    return next < stop ? next : INFINITY;
}

static void prepare(const rv__block *p, double dt)
{
    (void)dt;
    double *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        p->derived[INTERVAL][i] = q[RATE][i] > 0.0 ? 1000.0 / q[RATE][i] : INFINITY;
        p->derived[STOP][i] = q[START][i] + q[DURATION][i];
    }
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    uint32_t key[2];
    stream_key(seed, key);
    double now = step * dt;
    for (int64_t i = 0; i < p->n; i++)
        p->state[NEXT_T][i] = next_after(p, i, fmax(now, p->param[START][i]), key);
}

/* The time after t, x unit exponentials of mean interval iv later (as
 * next_after, with nextafter done on the bits: t >= 0), or INFINITY at or
 * past stop. */
static inline double later(double t, double x, double iv, double stop)
{
    double after = t + x * iv;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits += 1;
    double up;
    memcpy(&up, &bits, sizeof up);
    /* An interval below the resolution of t would not advance time. */
    after = after > t ? after : up;
    return after < stop ? after : INFINITY;
}

/* Neuron i's spikes from t (<= t_end) to the end of the step, one at a
 * time; returns -1 when the spike buffer filled (the neuron's state then
 * says where to resume), else 0. */
static int fire_slowly(const rv__block *p, int64_t i, double t, double t_end,
                       rv__spike_buf *out, const uint32_t key[2])
{
    double *next = p->state[NEXT_T], *ready = p->state[READY];
    const double iv = p->derived[INTERVAL][i], st = p->derived[STOP][i];
    do {
        if (rv__fire(out, i, t)) {
            next[i] = t;
            return -1;
        }
        if (ready[i] < 1.0)   /* the stock ran dry inside the step */
            refill_one(p, i, key);
        int r = (int)ready[i] - 1;
        ready[i] = r;
        t = later(t, p->state[E0 + r][i], iv, st);
    } while (t <= t_end);
    next[i] = t;
    return 0;
}

/* The neurons that fire in the step take their exponentials from their
 * stock; those left with LOW or fewer are refilled in batches of CHUNK
 * (before any of them can be needed again: each neuron is visited once a
 * step).  A source of a few kHz fires in most steps, a varying number of
 * times -- none included -- so every branch on the number of spikes would
 * be mispredicted about once a step: for a neuron with four exponentials
 * in stock its first four spikes are found without branches instead (every
 * candidate written, the count advanced by the comparisons), the rare
 * fifth by fire_slowly, and the choice to refill is a count too.  Sparse
 * sources are the exception (below). */
static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    uint32_t key[2];
    stream_key(ctx->seed, key);
    const double t_end = ctx->t_end;
    double *next = p->state[NEXT_T], *ready = p->state[READY];
    const double *interval = p->derived[INTERVAL], *stop = p->derived[STOP];
    const double *e[STOCK];
    for (int k = 0; k < STOCK; k++)
        e[k] = p->state[E0 + k];
    rv__spike_buf *out = ctx->out;
    int64_t sel[CHUNK + 1], m = 0;
    /* Sources with a mean interval of more than SPARSE steps (silent in
     * most steps) skip their silent steps on a branch, which is then
     * mostly right; the rate decides which neurons do, so that choice is
     * predicted well too.  (Measured: at 4.5 kHz the branch is faster, at
     * 6 kHz the branch-free path.) */
    const double sparse = SPARSE * ctx->dt;
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        double t = next[i];
        if (interval[i] > sparse && t > t_end)
            continue;
        int r = (int)ready[i];
        int fired = t <= t_end;
        if (r >= 4 && out->n + 4 <= out->cap) {
            uint32_t *restrict idx = out->idx;
            double *restrict when = out->t;
            const double iv = interval[i], st = stop[i];
            int64_t f = out->n;
            double t1 = later(t, e[r - 1][i], iv, st);
            double t2 = later(t1, e[r - 2][i], iv, st);
            double t3 = later(t2, e[r - 3][i], iv, st);
            double t4 = later(t3, e[r - 4][i], iv, st);
            int f1 = fired & (t1 <= t_end), f2 = f1 & (t2 <= t_end), f3 = f2 & (t3 <= t_end);
            idx[f] = (uint32_t)i;
            when[f] = t;
            idx[f + fired] = (uint32_t)i;
            when[f + fired] = t1;
            idx[f + fired + f1] = (uint32_t)i;
            when[f + fired + f1] = t2;
            idx[f + fired + f1 + f2] = (uint32_t)i;
            when[f + fired + f1 + f2] = t3;
            int spikes = fired + f1 + f2 + f3;
            out->n = f + spikes;
            ready[i] = r - spikes;
            double after[5] = {t, t1, t2, t3, t4};
            t = after[spikes];
            next[i] = t;
            if (t <= t_end && fire_slowly(p, i, t, t_end, out, key)) {
                refill(p, sel, m, key);
                return i;
            }
        } else if (fired && fire_slowly(p, i, t, t_end, out, key)) {   /* buffer full: resume here */
            refill(p, sel, m, key);
            return i;
        }
        sel[m] = i;
        m += fired & (ready[i] <= LOW) & (next[i] < INFINITY);
        if (m == CHUNK) {
            refill(p, sel, m, key);
            m = 0;
        }
    }
    refill(p, sel, m, key);
    return ctx->end;
}

const rv__model rv__model_spike_source_poisson = {
    .name = "SpikeSourcePoisson",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_internal = N_INTERNAL,
    .n_derived = N_DERIVED,
    .prepare = prepare,
    .resume = resume,
    .update = update,
};
