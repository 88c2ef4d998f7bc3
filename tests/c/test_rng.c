/* Philox4x32-10 against the published known-answer vectors, and the
 * statistics of the distributions built on it. */
#include "check.h"
#include "core/rng.h"

static void known_answers(void)
{
    /* Random123 kat_vectors: philox4x32 with 10 rounds. */
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        uint32_t out[4];
        rv__philox4x32_10(kat[k].ctr, kat[k].key, out);
        for (int j = 0; j < 4; j++)
            CHECK(out[j] == kat[k].out[j]);
    }
}

/* The batched Philox (eight at a time where AVX2 is there) gives the
 * blocks of the scalar one, for every count around the vector width. */
static void batch_matches_scalar(void)
{
    const uint32_t key[2] = {0x9e3779b9, 0x7f4a7c15};
    uint32_t c[4][40], o[4][40];
    for (int n = 0; n <= 40; n++) {
        for (int k = 0; k < n; k++)
            for (int j = 0; j < 4; j++)
                c[j][k] = (uint32_t)(k * 2654435761u + j * 40503u + (uint32_t)n);
        rv__philox4x32_10_many(n, c[0], c[1], c[2], c[3], key, o[0], o[1], o[2], o[3]);
        for (int k = 0; k < n; k++) {
            uint32_t ctr[4] = {c[0][k], c[1][k], c[2][k], c[3][k]}, out[4];
            rv__philox4x32_10(ctr, key, out);
            for (int j = 0; j < 4; j++)
                CHECK(o[j][k] == out[j]);
        }
    }
}

/* rv__log_unit against libm's log over (0, 1]: uniforms from words, the
 * ends, and the switch at sqrt(2)/2. */
static void log_unit_accuracy(void)
{
    rv__stream s;
    rv__stream_init(&s, 11, RV__RNG_USER, 1, 3);
    double worst = 0.0;
    for (int k = 0; k < 1000000; k++) {
        uint32_t a = rv__next_u32(&s), b = rv__next_u32(&s);
        double u = rv__unit_from(a, b);
        CHECK(u > 0.0 && u <= 1.0);
        double want = log(u), got = rv__log_unit(u);
        double err = want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want);
        worst = err > worst ? err : worst;
    }
    CHECK(worst < 1e-15);
    CHECK(rv__log_unit(1.0) == 0.0);
    CHECK_NEAR(rv__log_unit(0x1p-1022), -1022 * log(2.0), 1e-12);
    CHECK_NEAR(rv__log_unit(0x1p-53), -53 * log(2.0), 1e-13);
    double h = sqrt(0.5);
    for (int k = -3; k <= 3; k++) {
        double x = h + k * 0x1p-53;
        CHECK(fabs(rv__log_unit(x) - log(x)) <= 1e-15 * fabs(log(x)));
    }
}

static void streams_repeat_and_differ(void)
{
    rv__stream a, b, c;
    rv__stream_init(&a, 42, RV__RNG_POISSON, 0, 7);
    rv__stream_init(&b, 42, RV__RNG_POISSON, 0, 7);
    rv__stream_init(&c, 42, RV__RNG_POISSON, 0, 8);
    int same = 1, differ = 0;
    for (int k = 0; k < 100; k++) {
        double x = rv__uniform(&a), y = rv__uniform(&b), z = rv__uniform(&c);
        same &= x == y;
        differ |= x != z;
        CHECK(x >= 0.0 && x < 1.0);
    }
    CHECK(same);
    CHECK(differ);
    /* seeking back repeats */
    rv__stream_seek(&a, 3);
    double first = rv__uniform(&a);
    rv__stream_seek(&a, 3);
    CHECK(rv__uniform(&a) == first);
}

/* Mean and variance of n draws against expectations, with a tolerance of
 * 6 standard errors (a false alarm about once in 10^9 runs). */
static void moments(const char *what, const rv_param_spec *spec, double mean, double var)
{
    const int n = 200000;
    rv__stream s;
    rv__stream_init(&s, 3, RV__RNG_USER, 1, 2);
    double sum = 0, sum2 = 0;
    for (int k = 0; k < n; k++) {
        double x = rv__dist_draw(spec, &s);
        sum += x;
        sum2 += x * x;
    }
    double m = sum / n, v = sum2 / n - m * m;
    double se_mean = sqrt(var / n);
    if (fabs(m - mean) > 6 * se_mean + 1e-12)
        fprintf(stderr, "%s: mean %g, expected %g\n", what, m, mean);
    CHECK(fabs(m - mean) <= 6 * se_mean + 1e-12);
    CHECK(fabs(v - var) <= 0.05 * var + 1e-12);
}

int main(void)
{
    known_answers();
    batch_matches_scalar();
    log_unit_accuracy();
    streams_repeat_and_differ();
    rv_param_spec u = {"x", RV_DIST_UNIFORM, {2, 5}, NULL};
    moments("uniform", &u, 3.5, 9.0 / 12);
    rv_param_spec nrm = {"x", RV_DIST_NORMAL, {1, 2}, NULL};
    moments("normal", &nrm, 1, 4);
    rv_param_spec ex = {"x", RV_DIST_EXPONENTIAL, {3}, NULL};
    moments("exponential", &ex, 3, 9);
    rv_param_spec g = {"x", RV_DIST_GAMMA, {2.5, 2}, NULL};
    moments("gamma", &g, 5, 10);
    rv_param_spec g2 = {"x", RV_DIST_GAMMA, {0.5, 1}, NULL};
    moments("gamma k<1", &g2, 0.5, 0.5);
    rv_param_spec ps = {"x", RV_DIST_POISSON, {3.5}, NULL};
    moments("poisson small", &ps, 3.5, 3.5);
    rv_param_spec pl = {"x", RV_DIST_POISSON, {120}, NULL};
    moments("poisson large", &pl, 120, 120);
    rv_param_spec bi = {"x", RV_DIST_BINOMIAL, {40, 0.3}, NULL};
    moments("binomial", &bi, 12, 8.4);
    rv_param_spec bi2 = {"x", RV_DIST_BINOMIAL, {40, 0.8}, NULL};
    moments("binomial p>1/2", &bi2, 32, 6.4);
    rv_param_spec bi3 = {"x", RV_DIST_BINOMIAL, {1000, 0.3}, NULL};
    moments("binomial large (BTRS)", &bi3, 300, 210);
    rv_param_spec bi4 = {"x", RV_DIST_BINOMIAL, {1e9, 0.25}, NULL};
    moments("binomial huge (BTRS)", &bi4, 2.5e8, 1.875e8);
    rv_param_spec ui = {"x", RV_DIST_UNIFORM_INT, {0, 10}, NULL};
    moments("uniform_int", &ui, 4.5, 8.25);
    rv_param_spec ln = {"x", RV_DIST_LOGNORMAL, {0, 0.5}, NULL};
    double ln_mean = exp(0.125), ln_var = (exp(0.25) - 1) * exp(0.25);
    moments("lognormal", &ln, ln_mean, ln_var);
    /* von Mises with kappa 2: E[cos x] = I1(2)/I0(2) = 0.697775 */
    {
        rv__stream s;
        rv__stream_init(&s, 5, RV__RNG_USER, 1, 1);
        double c = 0;
        for (int k = 0; k < 200000; k++)
            c += cos(rv__vonmises(&s, 0.0, 2.0));
        CHECK_NEAR(c / 200000, 0.697775, 0.006);
    }
    /* clipped normal stays inside */
    rv_param_spec nc = {"x", RV_DIST_NORMAL_CLIPPED, {0, 1, -0.5, 2}, NULL};
    rv__stream s;
    rv__stream_init(&s, 9, RV__RNG_USER, 1, 1);
    for (int k = 0; k < 10000; k++) {
        double x = rv__dist_draw(&nc, &s);
        CHECK(x >= -0.5 && x <= 2);
    }
    char msg[256];
    rv_param_spec bad = {"w", RV_DIST_GAMMA, {-1, 1}, NULL};
    CHECK(rv__dist_check(&bad, msg, sizeof msg) == RV_ERR_VALUE);
    CHECK(strstr(msg, "'w'") != NULL);
    TEST_END();
}
