/*
 * The connection rules' machinery, shared by rules.c (the rules, and
 * returning their connections) and connect_rule.c (storing them into a
 * projection, shard by shard).  Internal.
 */
#ifndef RV_RULE_H
#define RV_RULE_H

#include "core/sim.h"

typedef struct rule_run rule_run;

/* Receives a batch of connections as (pre position, post position) pairs
 * of the rule's lists; key_gid names the stream for parameter draws. */
typedef rv_status (*rule_sink)(rule_run *r, int64_t key_gid, const int64_t *pre_pos,
                               const int64_t *post_pos, int64_t n);

/* One application of a rule, or the part of it one shard makes.  The
 * lists, the self-connection tables and the fixed-total split are shared
 * (read only); the scratch space and the error belong to the run. */
struct rule_run {
    uint64_t seed;
    const char *fn;
    const rv_rule *rule;
    uint64_t sub;               /* stream name of this application */
    int64_t n_pre, n_post;
    const int64_t *pre_gid, *post_gid;
    const int64_t *self_of_post;   /* pre position with the same gid, or -1 */
    const int64_t *self_of_pre;    /* post position with the same gid, or -1 */
    const int32_t *col_shard;   /* per column (target rules): the shard that makes it, */
    int shard;                  /* this run's shard; col_shard NULL: every column */
    const int64_t *total_count; /* fixed total number: connections per column */
    rule_sink sink;
    void *sink_ctx;
    int64_t *buf_pre, *buf_post, buf_cap;
    uint8_t *mark;              /* scratch, all zero between uses */
    int64_t *pool;              /* scratch for partial shuffles */
    rv_status status;           /* the first failure, with its message */
    char msg[320];
};

/* Records a failure of the run (formatted like rv__fail) and returns it. */
rv_status rv__rule_fail(rule_run *r, rv_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Checks a rule's kind and numbers. */
rv_status rv__rule_check(rv_sim *sim, const char *fn, const rv_rule *rule);
/* RV_ERR_LIMIT when the rule would make more connections than a projection
 * holds, from the list sizes alone. */
rv_status rv__rule_check_count(rv_sim *sim, const char *fn, const rv_rule *rule, int64_t n_pre,
                               int64_t n_post);
/* Whether the rule makes its connections column by column (by target),
 * each column from its own stream: then shards make their own columns. */
int rv__rule_by_target(const rv_rule *rule);

/* The shared tables of a run over the lists pre_gid[0..n_pre) and
 * post_gid[0..n_post): self-connection tables and the fixed-total split.
 * Filled into *r (whose seed, fn, rule, sub and lists are set); freed by
 * rv__rule_shared_free. */
rv_status rv__rule_shared(rule_run *r);
void rv__rule_shared_free(rule_run *r);
/* Runs the rule over the run's columns into its sink, with scratch space
 * of its own (freed before returning). */
rv_status rv__rule_apply(rule_run *r);

#endif
