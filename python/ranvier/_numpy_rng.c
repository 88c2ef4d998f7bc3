/*
 * ranvier._numpy_rng -- Python bindings of numpy_stream.c: numpy's legacy
 * RandomState streams drawn in C, in bulk.
 *
 * A state crosses as a tuple (key, pos, has_gauss, gauss), the fields of
 * RandomState.get_state(), key a writable contiguous uint32 array of 624
 * words.  Every function writes the advanced key into that array and
 * returns (pos, has_gauss, gauss); the caller (ranvier.numpy_rng) puts
 * them back into the RandomState.  Output arrays are allocated by the
 * caller and filled in place; long loops release the GIL, and
 * normal_columns draws independent states in parallel (OpenMP).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "numpy_stream.h"

/* ---- buffers ------------------------------------------------------------------------ */

typedef struct {
    Py_buffer view;
    int held;
    void *buf;
    Py_ssize_t n;
} Array;

/* A contiguous writable (or not) one-dimensional array of `itemsize`-byte
 * items whose struct format code is one of `formats`. */
static int get_array(PyObject *obj, const char *what, const char *formats, Py_ssize_t itemsize,
                     int writable, Array *a)
{
    memset(a, 0, sizeof *a);
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &a->view, flags) < 0)
        return -1;
    a->held = 1;
    const char *fmt = a->view.format ? a->view.format : "B";
    if (fmt[0] == '<' || fmt[0] == '=' || fmt[0] == '@')
        fmt++;
    if (a->view.itemsize != itemsize || strlen(fmt) != 1 || !strchr(formats, fmt[0])) {
        PyErr_Format(PyExc_TypeError, "%s must be an array of %zd-byte items of kind '%s' "
                     "(got format '%s', itemsize %zd)", what, itemsize, formats,
                     a->view.format ? a->view.format : "B", a->view.itemsize);
        PyBuffer_Release(&a->view);
        a->held = 0;
        return -1;
    }
    a->buf = a->view.buf;
    a->n = a->view.len / itemsize;
    return 0;
}

static void release(Array *a)
{
    if (a->held)
        PyBuffer_Release(&a->view);
    a->held = 0;
}

#define F64 "d"
#define I64 "lq"
#define U32 "IL"

/* ---- states ------------------------------------------------------------------------- */

typedef struct {
    Array key;
    nps_state st;
} State;

static int state_in(PyObject *obj, State *s)
{
    PyObject *key;
    int pos, has_gauss;
    double cached;
    memset(s, 0, sizeof *s);
    if (!PyArg_ParseTuple(obj, "Oiid;a state is (key, pos, has_gauss, gauss)", &key, &pos,
                          &has_gauss, &cached))
        return -1;
    if (get_array(key, "key", U32, 4, 1, &s->key))
        return -1;
    if (s->key.n != NPS_KEY_LEN || pos < 0 || pos > NPS_KEY_LEN) {
        PyErr_Format(PyExc_ValueError, "an MT19937 state has %d key words and a position in "
                     "[0, %d] (got %zd words, position %d)", NPS_KEY_LEN, NPS_KEY_LEN,
                     s->key.n, pos);
        release(&s->key);
        return -1;
    }
    memcpy(s->st.key, s->key.buf, sizeof s->st.key);
    s->st.pos = pos;
    s->st.has_gauss = has_gauss != 0;
    s->st.gauss = cached;
    return 0;
}

/* Writes the key back, releases it, returns (pos, has_gauss, gauss). */
static PyObject *state_out(State *s)
{
    memcpy(s->key.buf, s->st.key, sizeof s->st.key);
    release(&s->key);
    return Py_BuildValue("(iid)", s->st.pos, s->st.has_gauss, s->st.gauss);
}

static int check_high(unsigned long long high, const char *what)
{
    if (high < 1 || high > (1ULL << 32)) {
        PyErr_Format(PyExc_ValueError, "%s must be in [1, 2**32] (got %llu)", what, high);
        return -1;
    }
    return 0;
}

/* ---- single streams ------------------------------------------------------------------ */

/* fill(kind, state, out): kind 0 raw 32-bit words (uint32 out), 1
 * random_sample doubles, 2 standard Gaussians (float64 out). */
static PyObject *py_fill(PyObject *mod, PyObject *args)
{
    int kind;
    PyObject *state_obj, *out_obj;
    State s;
    Array out;
    if (!PyArg_ParseTuple(args, "iOO", &kind, &state_obj, &out_obj))
        return NULL;
    if (kind < 0 || kind > 2) {
        PyErr_Format(PyExc_ValueError, "unknown fill kind %d", kind);
        return NULL;
    }
    if (get_array(out_obj, "out", kind == 0 ? U32 : F64, kind == 0 ? 4 : 8, 1, &out))
        return NULL;
    if (state_in(state_obj, &s)) {
        release(&out);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 0)
        nps_fill32(&s.st, out.n, out.buf);
    else if (kind == 1)
        nps_fill_double(&s.st, out.n, out.buf);
    else
        nps_fill_gauss(&s.st, out.n, out.buf);
    Py_END_ALLOW_THREADS
    release(&out);
    return state_out(&s);
}

/* randint(state, high, out): out[i] = randint(0, high), uint32. */
static PyObject *py_randint(PyObject *mod, PyObject *args)
{
    PyObject *state_obj, *out_obj;
    unsigned long long high;
    State s;
    Array out;
    if (!PyArg_ParseTuple(args, "OKO", &state_obj, &high, &out_obj) || check_high(high, "high")
        || get_array(out_obj, "out", U32, 4, 1, &out))
        return NULL;
    if (state_in(state_obj, &s)) {
        release(&out);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    nps_randint(&s.st, high, out.n, out.buf);
    Py_END_ALLOW_THREADS
    release(&out);
    return state_out(&s);
}

/* randint_pairs(state, high_a, high_b, a, b): alternating draws. */
static PyObject *py_randint_pairs(PyObject *mod, PyObject *args)
{
    PyObject *state_obj, *a_obj, *b_obj;
    unsigned long long high_a, high_b;
    State s;
    Array a, b;
    if (!PyArg_ParseTuple(args, "OKKOO", &state_obj, &high_a, &high_b, &a_obj, &b_obj)
        || check_high(high_a, "high_a") || check_high(high_b, "high_b")
        || get_array(a_obj, "a", U32, 4, 1, &a))
        return NULL;
    if (get_array(b_obj, "b", U32, 4, 1, &b)) {
        release(&a);
        return NULL;
    }
    if (a.n != b.n) {
        PyErr_SetString(PyExc_ValueError, "a and b must have the same length");
        release(&a);
        release(&b);
        return NULL;
    }
    if (state_in(state_obj, &s)) {
        release(&a);
        release(&b);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    nps_randint_pairs(&s.st, high_a, high_b, a.n, a.buf, b.buf);
    Py_END_ALLOW_THREADS
    release(&a);
    release(&b);
    return state_out(&s);
}

/* pairs_by_target(state, n_pre, n_post, pre, post, counts): see
 * nps_pairs_by_target; len(pre) pairs, counts has n_post int64 entries. */
static PyObject *py_pairs_by_target(PyObject *mod, PyObject *args)
{
    PyObject *state_obj, *pre_obj, *post_obj, *counts_obj;
    unsigned long long n_pre, n_post;
    State s;
    Array pre, post, counts;
    if (!PyArg_ParseTuple(args, "OKKOOO", &state_obj, &n_pre, &n_post, &pre_obj, &post_obj,
                          &counts_obj)
        || check_high(n_pre, "n_pre") || check_high(n_post, "n_post")
        || get_array(pre_obj, "pre", U32, 4, 1, &pre))
        return NULL;
    if (get_array(post_obj, "post", U32, 4, 1, &post)) {
        release(&pre);
        return NULL;
    }
    if (get_array(counts_obj, "counts", I64, 8, 1, &counts)) {
        release(&pre);
        release(&post);
        return NULL;
    }
    if (pre.n != post.n || (unsigned long long)counts.n != n_post) {
        PyErr_SetString(PyExc_ValueError, "pre and post must have the same length, "
                        "counts n_post entries");
        release(&pre);
        release(&post);
        release(&counts);
        return NULL;
    }
    if (state_in(state_obj, &s)) {
        release(&pre);
        release(&post);
        release(&counts);
        return NULL;
    }
    nps_status st;
    Py_BEGIN_ALLOW_THREADS
    st = nps_pairs_by_target(&s.st, n_pre, n_post, pre.n, pre.buf, post.buf, counts.buf);
    Py_END_ALLOW_THREADS
    release(&pre);
    release(&post);
    release(&counts);
    if (st == NPS_NOMEM) {
        release(&s.key);
        return PyErr_NoMemory();
    }
    return state_out(&s);
}

/* ---- normal and normal_clipped, column by column, several states at once ------------- */

typedef struct {
    State s;
    double loc, scale, low, high;
    int clip;
    long long max_redraws;
    Array out;
    nps_status status;
    int64_t failed_column;
} Job;

static int job_in(PyObject *item, Job *job)
{
    PyObject *state_obj, *out_obj;
    memset(job, 0, sizeof *job);
    if (!PyArg_ParseTuple(item, "OddpddLO;a job is (state, loc, scale, clip, low, high, "
                          "max_redraws, out)", &state_obj, &job->loc, &job->scale, &job->clip,
                          &job->low, &job->high, &job->max_redraws, &out_obj))
        return -1;
    if (get_array(out_obj, "out", F64, 8, 1, &job->out))
        return -1;
    if (state_in(state_obj, &job->s)) {
        release(&job->out);
        return -1;
    }
    job->failed_column = -1;
    return 0;
}

/* normal_columns(jobs, counts, threads) -> [(status, failed_column, pos, has_gauss, gauss)]
 * Every job draws sum(counts) values into its `out`, column by column;
 * status 0 ok, 1 redraws exceeded, 2 scale < 0 (see nps_normal_columns). */
static PyObject *py_normal_columns(PyObject *mod, PyObject *args)
{
    PyObject *jobs_obj, *counts_obj;
    int threads;
    Array counts;
    if (!PyArg_ParseTuple(args, "O!Oi", &PyList_Type, &jobs_obj, &counts_obj, &threads)
        || get_array(counts_obj, "counts", I64, 8, 0, &counts))
        return NULL;
    const int64_t *c = counts.buf;
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < counts.n; i++) {
        if (c[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "column counts must not be negative");
            release(&counts);
            return NULL;
        }
        total += c[i];
    }
    Py_ssize_t n_jobs = PyList_GET_SIZE(jobs_obj), got = 0;
    Job *jobs = PyMem_Calloc(n_jobs ? (size_t)n_jobs : 1, sizeof *jobs);
    if (!jobs) {
        release(&counts);
        return PyErr_NoMemory();
    }
    int failed = 0;
    for (; got < n_jobs; got++) {
        if (job_in(PyList_GET_ITEM(jobs_obj, got), &jobs[got])) {
            failed = 1;
            break;
        }
        if (jobs[got].out.n != total) {
            PyErr_Format(PyExc_ValueError, "job %zd: out has %zd entries, the columns %lld",
                         got, jobs[got].out.n, (long long)total);
            got++;
            failed = 1;
            break;
        }
    }
    if (!failed) {
        if (threads < 1)
            threads = 1;
        Py_BEGIN_ALLOW_THREADS
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
#endif
        for (Py_ssize_t j = 0; j < n_jobs; j++) {
            Job *job = &jobs[j];
            job->status = nps_normal_columns(&job->s.st, job->loc, job->scale, job->clip,
                                             job->low, job->high, job->max_redraws, c,
                                             counts.n, job->out.buf, &job->failed_column);
        }
        Py_END_ALLOW_THREADS
    }
    PyObject *result = failed ? NULL : PyList_New(n_jobs);
    for (Py_ssize_t j = 0; j < got; j++) {
        Job *job = &jobs[j];
        release(&job->out);
        if (result && job->status == NPS_NOMEM) {
            Py_CLEAR(result);
            PyErr_NoMemory();
        }
        if (!result) {
            release(&job->s.key);
            continue;
        }
        PyObject *st = state_out(&job->s);
        PyObject *item = st ? Py_BuildValue("(iLO)", (int)job->status,
                                            (long long)job->failed_column, st) : NULL;
        Py_XDECREF(st);
        if (!item) {
            Py_CLEAR(result);
            continue;
        }
        PyList_SET_ITEM(result, j, item);
    }
    PyMem_Free(jobs);
    release(&counts);
    return result;
}

/* ---- module ------------------------------------------------------------------------------ */

static PyMethodDef methods[] = {
    {"fill", py_fill, METH_VARARGS,
     "fill(kind, state, out) -> (pos, has_gauss, gauss): kind 0 raw words, 1 random_sample, "
     "2 standard Gaussians."},
    {"randint", py_randint, METH_VARARGS,
     "randint(state, high, out) -> state: out[i] = randint(0, high), 1 <= high <= 2**32."},
    {"randint_pairs", py_randint_pairs, METH_VARARGS,
     "randint_pairs(state, high_a, high_b, a, b) -> state: alternating randint draws."},
    {"pairs_by_target", py_pairs_by_target, METH_VARARGS,
     "pairs_by_target(state, n_pre, n_post, pre, post, counts) -> state: (source, target) "
     "draws, grouped by target in a stable order."},
    {"normal_columns", py_normal_columns, METH_VARARGS,
     "normal_columns(jobs, counts, threads) -> [(status, failed_column, state)]: "
     "normal / normal_clipped values column by column, the jobs in parallel."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_numpy_rng",
    "numpy's legacy RandomState streams drawn in C (see numpy_stream.h).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__numpy_rng(void)
{
    return PyModule_Create(&module);
}
