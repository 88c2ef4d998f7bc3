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
 * and takes the last one first.  After every step the neurons with room
 * for two more get their next block, computed for many neurons at once
 * (rv__philox4x32_10_many) -- background inputs of a few kHz per neuron
 * spend most of their time here, and the batch is several times cheaper
 * than one block per spike.  A neuron that runs dry inside a step draws
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
 * the neuron's stream, how many exponentials are ready, and those four.
 */
#include <math.h>

#include "models/model.h"

enum { RATE, START, DURATION };
enum { NEXT_T, BLOCK, READY, E0, E1, E2, E3, N_INTERNAL };
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

/* Appends the two exponentials of one block's words to neuron i's stock. */
static void stock(const rv__block *p, int64_t i, uint32_t w0, uint32_t w1, uint32_t w2,
                  uint32_t w3)
{
    double *const *s = p->state;
    int ready = (int)s[READY][i];
    s[E0 + ready][i] = -rv__log_unit(rv__unit_from(w0, w1));
    s[E0 + ready + 1][i] = -rv__log_unit(rv__unit_from(w2, w3));
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
    stock(p, i, w[0], w[1], w[2], w[3]);
}

/* The next block of every neuron with room for two more exponentials. */
static void refill(const rv__block *p, const uint32_t key[2])
{
    double *ready = p->state[READY], *block = p->state[BLOCK];
    uint32_t c0[CHUNK], c1[CHUNK], c2[CHUNK], c3[CHUNK], w0[CHUNK], w1[CHUNK], w2[CHUNK],
        w3[CHUNK];
    int64_t sel[CHUNK];
    for (int64_t base = 0; base < p->n; base += CHUNK) {
        int64_t end = base + CHUNK < p->n ? base + CHUNK : p->n, m = 0;
        for (int64_t i = base; i < end; i++)
            if (ready[i] <= 2.0 && p->state[NEXT_T][i] < INFINITY) {
                uint64_t b = (uint64_t)block[i], gid = (uint64_t)(p->first_gid + i);
                c0[m] = (uint32_t)b;
                c1[m] = (uint32_t)(b >> 32);
                c2[m] = (uint32_t)gid;
                c3[m] = (uint32_t)(gid >> 32);
                sel[m++] = i;
            }
        rv__philox4x32_10_many(m, c0, c1, c2, c3, key, w0, w1, w2, w3);
        for (int64_t k = 0; k < m; k++)
            stock(p, sel[k], w0[k], w1[k], w2[k], w3[k]);
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
    double *const *q = p->param;
    double stop = q[START][i] + q[DURATION][i];
    double rate = q[RATE][i];
    if (rate <= 0.0 || t >= stop)
        return INFINITY;
    double next = t + take(p, i, key) * 1000.0 / rate;
    /* An interval below the resolution of t would not advance time. */
    if (!(next > t))
        next = nextafter(t, INFINITY);
    return next < stop ? next : INFINITY;
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    uint32_t key[2];
    stream_key(seed, key);
    double now = step * dt;
    for (int64_t i = 0; i < p->n; i++)
        p->state[NEXT_T][i] = next_after(p, i, fmax(now, p->param[START][i]), key);
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    uint32_t key[2];
    stream_key(ctx->seed, key);
    double t_end = ctx->t_end;
    double *next = p->state[NEXT_T];
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        while (next[i] <= t_end) {
            if (rv__fire(ctx->out, i, next[i]))   /* buffer full: resume here */
                return i;
            next[i] = next_after(p, i, next[i], key);
        }
    }
    refill(p, key);
    return ctx->end;
}

const rv__model rv__model_spike_source_poisson = {
    .name = "SpikeSourcePoisson",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_internal = N_INTERNAL,
    .resume = resume,
    .update = update,
};
