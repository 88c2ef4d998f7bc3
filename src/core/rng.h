/*
 * Counter-based random numbers: Philox4x32-10 (Salmon et al. 2011,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 *
 * A stream is named by (seed, purpose, sub, id): the key is a hash of
 * (seed, purpose, sub), the counter holds the 64-bit id and a 64-bit draw
 * index.  Every random draw in the kernel belongs to a stream named by
 * global ids only (a neuron's gid, a source's handle, a projection's rule
 * stream and the target gid), so results never depend on how neurons are
 * split over threads or processes, and rewinding a stream (draw index 0)
 * repeats it exactly.
 */
#ifndef RV_RNG_H
#define RV_RNG_H

#include <stdint.h>
#include <string.h>

#include "ranvier/ranvier.h"

/* Purposes keep unrelated uses of the same ids apart. */
enum rv__rng_purpose {
    RV__RNG_POISSON = 1,     /* spike sources: id = gid */
    RV__RNG_NOISE = 2,       /* noisy current: sub = source, id = sample */
    RV__RNG_CONNECT = 3,     /* connection rules: sub = rule stream, id = gid */
    RV__RNG_PARAM = 4,       /* connection parameters: sub = stream, id = gid */
    RV__RNG_USER = 5,        /* rv_random_fill: sub = stream, id = key */
    RV__RNG_TOTAL = 6,       /* fixed-total-number splitting: sub = stream */
    RV__RNG_SYNAPSE = 7      /* stochastic synapses: id = synapse */
};

typedef struct rv__stream {
    uint32_t key[2];
    uint32_t ctr[4];         /* ctr[0..1]: block index, ctr[2..3]: id */
    uint32_t buf[4];
    int pos;                 /* next unused word of buf; 4 = empty */
} rv__stream;

/* One Philox4x32-10 block: out = philox(ctr, key). */
void rv__philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* A 64-bit mix (SplitMix64's finaliser), for naming streams by several
 * ids. */
uint64_t rv__hash64(uint64_t z);

void rv__stream_init(rv__stream *s, uint64_t seed, uint32_t purpose,
                     uint64_t sub, uint64_t id);

/* Philox4x32-10 blocks for n counters at once, in columns: block k is
 * philox((c0[k], c1[k], c2[k], c3[k]), key), written to o0..o3[k].  The
 * same numbers as rv__philox4x32_10, computed eight at a time with AVX2
 * where the processor has it. */
void rv__philox4x32_10_many(int64_t n, const uint32_t *c0, const uint32_t *c1,
                            const uint32_t *c2, const uint32_t *c3, const uint32_t key[2],
                            uint32_t *o0, uint32_t *o1, uint32_t *o2, uint32_t *o3);

/* The uniform in (0, 1] that 53 bits of the words a and b make (as
 * rv__uniform_pos does from two consecutive words). */
static inline double rv__unit_from(uint32_t a, uint32_t b)
{
    /* int32 conversions (the values fit) vectorise where uint32 ones do not */
    return 1.0 - ((int32_t)(a >> 5) * 67108864.0 + (int32_t)(b >> 6))
                     * (1.0 / 9007199254740992.0);
}

/* The natural logarithm of x in [2^-1022, 1] (normal numbers), from plain
 * arithmetic and bit operations only, so that the vectorised and the
 * scalar builds of a loop give the same bits; relative error below 1e-15.
 * x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh f with
 * f = (m - 1) / (m + 1), |f| <= 0.172, by its odd series.  The exponent
 * becomes a double through the bits of 2^52 + e (AVX2 has no 64-bit
 * integer conversion), so that the loops that call it vectorise. */
static inline double rv__log_unit(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    uint64_t mant = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
    /* m > sqrt(2): halve m, raise e -- integer arithmetic, no branch */
    uint64_t big = (uint64_t)(mant > 0x3FF6A09E667F3BCDull);
    mant -= big << 52;
    uint64_t ebits = ((bits >> 52) + big) | 0x4330000000000000ull;   /* 2^52 + biased e */
    double m, e;
    memcpy(&m, &mant, sizeof m);
    memcpy(&e, &ebits, sizeof e);
    e -= 4503599627370496.0 + 1023.0;
    double f = (m - 1.0) / (m + 1.0), f2 = f * f;
    double series =
        f2 * (1.0 / 3 + f2 * (1.0 / 5 + f2 * (1.0 / 7 + f2 * (1.0 / 9 + f2 * (1.0 / 11
        + f2 * (1.0 / 13 + f2 * (1.0 / 15 + f2 * (1.0 / 17 + f2 * (1.0 / 19)))))))));
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    return e * ln2_hi + (2.0 * f + (2.0 * f * series + e * ln2_lo));
}

/* Positions the stream at block `block` (each block yields 4 words). */
void rv__stream_seek(rv__stream *s, uint64_t block);
uint64_t rv__stream_tell(const rv__stream *s);

uint32_t rv__next_u32(rv__stream *s);
/* Uniform in [0, 1) with 53 random bits. */
double rv__uniform(rv__stream *s);
/* Uniform in (0, 1]: safe for log(). */
double rv__uniform_pos(rv__stream *s);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t rv__uniform_below(rv__stream *s, uint64_t n);
double rv__normal(rv__stream *s);
double rv__exponential(rv__stream *s);   /* mean 1 */
double rv__gamma(rv__stream *s, double shape);  /* scale 1 */
double rv__poisson(rv__stream *s, double lambda);
double rv__binomial(rv__stream *s, double n, double p);
double rv__vonmises(rv__stream *s, double mu, double kappa);

/* Checks the parameters of a distribution; on error writes a message
 * into msg and returns RV_ERR_VALUE. */
rv_status rv__dist_check(const rv_param_spec *spec, char *msg, size_t len);
/* One draw from a distribution (RV_DIST_MATRIX is not handled here). */
double rv__dist_draw(const rv_param_spec *spec, rv__stream *s);

#endif
