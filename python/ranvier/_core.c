/*
 * ranvier._core -- the Python extension over the public C API.
 *
 * A thin layer: one method per C function, arrays passed through the
 * buffer protocol (NumPy arrays, memoryviews) in bulk, never one neuron or
 * synapse at a time.  Output arrays are allocated by the caller (the Python
 * layer) and filled in place; variable-length results come back as bytes
 * that the caller views with numpy.frombuffer.  A failed call raises
 * ranvier._core.KernelError(status_name, message); the PyNN layer turns it
 * into PyNN's exceptions.  Long calls (runs, connection rules) release the
 * GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "ranvier/ranvier.h"
#ifdef RANVIER_HAVE_MPI
#include "ranvier/ranvier_mpi.h"
#endif

static PyObject *KernelError;

typedef struct {
    PyObject_HEAD
    rv_sim *sim;
} SimObject;

/* ---- errors ----------------------------------------------------------------- */

static PyObject *raise_status(SimObject *self, rv_status st)
{
    const char *msg = self && self->sim ? rv_sim_errmsg(self->sim) : "";
    if (!msg || !msg[0])
        msg = rv_status_string(st);
    PyObject *args = Py_BuildValue("(ss)", rv_status_name(st), msg);
    if (args) {
        PyErr_SetObject(KernelError, args);
        Py_DECREF(args);
    }
    return NULL;
}

#define CALL(self, expr)                                                       \
    do {                                                                       \
        rv_status st_ = (expr);                                                \
        if (st_ != RV_OK)                                                      \
            return raise_status((self), st_);                                  \
    } while (0)

static int check_open(SimObject *self)
{
    if (!self->sim) {
        PyErr_SetString(PyExc_RuntimeError, "this simulation has been closed");
        return -1;
    }
    return 0;
}

/* ---- buffers ----------------------------------------------------------------- */

/* A contiguous one-dimensional view of `itemsize`-byte items whose format
 * is one of `formats` (struct codes).  obj None gives an empty view with
 * buf == NULL when allow_none. */
typedef struct {
    Py_buffer view;
    int held;
    void *buf;
    Py_ssize_t n;
} Array;

static int get_array(PyObject *obj, const char *what, const char *formats, Py_ssize_t itemsize,
                     int writable, int allow_none, Array *a)
{
    memset(a, 0, sizeof *a);
    if (obj == Py_None) {
        if (allow_none)
            return 0;
        PyErr_Format(PyExc_TypeError, "%s must be an array, not None", what);
        return -1;
    }
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

/* ---- simulation ------------------------------------------------------------------ */

static int Sim_init(SimObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "", kwlist))
        return -1;
    if (self->sim)
        rv_sim_free(self->sim);
    self->sim = NULL;
    rv_status st = rv_sim_create(&self->sim);
    if (st) {
        raise_status(NULL, st);
        return -1;
    }
    return 0;
}

static void Sim_dealloc(SimObject *self)
{
    rv_sim_free(self->sim);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Sim_close(SimObject *self, PyObject *unused)
{
    rv_sim_free(self->sim);
    self->sim = NULL;
    Py_RETURN_NONE;
}

static PyObject *Sim_set_timing(SimObject *self, PyObject *args)
{
    double dt, lo, hi;
    if (check_open(self) || !PyArg_ParseTuple(args, "ddd", &dt, &lo, &hi))
        return NULL;
    CALL(self, rv_sim_set_timing(self->sim, dt, lo, hi));
    Py_RETURN_NONE;
}

static PyObject *Sim_set_seed(SimObject *self, PyObject *args)
{
    unsigned long long seed;
    if (check_open(self) || !PyArg_ParseTuple(args, "K", &seed))
        return NULL;
    CALL(self, rv_sim_set_seed(self->sim, (uint64_t)seed));
    Py_RETURN_NONE;
}

static PyObject *Sim_set_threads(SimObject *self, PyObject *args)
{
    int n;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &n))
        return NULL;
    CALL(self, rv_sim_set_threads(self->sim, n));
    Py_RETURN_NONE;
}

/* set_mpi(address): shares the simulation over the processes of the MPI
 * communicator stored at `address` (mpi4py: MPI._addressof(comm)). */
static PyObject *Sim_set_mpi(SimObject *self, PyObject *args)
{
    unsigned long long address;
    if (check_open(self) || !PyArg_ParseTuple(args, "K", &address))
        return NULL;
#ifdef RANVIER_HAVE_MPI
    if (address == 0) {
        PyErr_SetString(PyExc_ValueError, "set_mpi: the communicator's address is 0");
        return NULL;
    }
    MPI_Comm comm = *(MPI_Comm *)(uintptr_t)address;
    CALL(self, rv_sim_set_mpi(self->sim, comm));
    Py_RETURN_NONE;
#else
    PyErr_SetString(PyExc_RuntimeError, "set_mpi: this Ranvier was built without MPI "
                    "(install Open MPI and reinstall Ranvier: see the README)");
    return NULL;
#endif
}

static PyObject *Sim_info(SimObject *self, PyObject *unused)
{
    rv_sim_info info;
    if (check_open(self))
        return NULL;
    CALL(self, rv_sim_get_info(self->sim, &info));
    return Py_BuildValue("{s:d,s:d,s:d,s:d,s:L,s:K,s:L,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:d,s:L}",
                         "dt", info.dt,
                         "min_delay", info.min_delay, "max_delay", info.max_delay, "t", info.t,
                         "step", (long long)info.step, "seed", (unsigned long long)info.seed,
                         "n_neurons", (long long)info.n_neurons, "n_populations",
                         (int)info.n_populations, "n_projections", (int)info.n_projections,
                         "n_current_sources", (int)info.n_current_sources, "running",
                         info.running, "threads", info.n_threads, "processes",
                         info.n_processes, "rank", info.rank, "exchange_s", info.exchange_s,
                         "exchanged", (long long)info.exchanged);
}

static PyObject *Sim_run_until(SimObject *self, PyObject *args)
{
    double t;
    if (check_open(self) || !PyArg_ParseTuple(args, "d", &t))
        return NULL;
    rv_status st;
    Py_BEGIN_ALLOW_THREADS
    st = rv_sim_run_until(self->sim, t);
    Py_END_ALLOW_THREADS
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_reset(SimObject *self, PyObject *unused)
{
    if (check_open(self))
        return NULL;
    CALL(self, rv_sim_reset(self->sim));
    Py_RETURN_NONE;
}

/* ---- populations -------------------------------------------------------------- */

static PyObject *Sim_pop_create(SimObject *self, PyObject *args)
{
    const char *model;
    long long n;
    int32_t h;
    if (check_open(self) || !PyArg_ParseTuple(args, "sL", &model, &n))
        return NULL;
    CALL(self, rv_pop_create(self->sim, model, (int64_t)n, &h));
    return PyLong_FromLong(h);
}

/* (component, [receptor names], [kinds], n) -> handle */
static PyObject *Sim_pop_create_composed(SimObject *self, PyObject *args)
{
    const char *component;
    PyObject *names_obj, *kinds_obj;
    long long n;
    if (check_open(self)
        || !PyArg_ParseTuple(args, "sO!O!L", &component, &PyList_Type, &names_obj, &PyList_Type,
                             &kinds_obj, &n))
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(names_obj);
    if (k != PyList_GET_SIZE(kinds_obj) || k > 64) {
        PyErr_SetString(PyExc_ValueError, "names and kinds must be lists of the same length");
        return NULL;
    }
    const char *names[64], *kinds[64];
    for (Py_ssize_t i = 0; i < k; i++) {
        names[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(names_obj, i));
        kinds[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(kinds_obj, i));
        if (!names[i] || !kinds[i])
            return NULL;
    }
    int32_t h;
    CALL(self, rv_pop_create_composed(self->sim, component, (int)k, names, kinds, (int64_t)n, &h));
    return PyLong_FromLong(h);
}

static PyObject *Sim_pop_info(SimObject *self, PyObject *args)
{
    int pop;
    rv_pop_info info;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &pop))
        return NULL;
    CALL(self, rv_pop_get_info(self->sim, pop, &info));
    return Py_BuildValue("(sLL)", info.model, (long long)info.size, (long long)info.first_gid);
}

typedef rv_status (*pop_set_fn)(rv_sim *, int32_t, const char *, const int64_t *, int64_t,
                                const double *, int64_t);
typedef rv_status (*pop_get_fn)(rv_sim *, int32_t, const char *, const int64_t *, int64_t,
                                double *);

/* (pop, name, idx or None, values) */
static PyObject *pop_set(SimObject *self, PyObject *args, pop_set_fn fn)
{
    int pop;
    const char *name;
    PyObject *idx_obj, *val_obj;
    Array idx, val;
    if (check_open(self) || !PyArg_ParseTuple(args, "isOO", &pop, &name, &idx_obj, &val_obj))
        return NULL;
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    if (get_array(val_obj, "values", F64, 8, 0, 0, &val)) {
        release(&idx);
        return NULL;
    }
    rv_status st = fn(self->sim, pop, name, idx.buf, idx.n, val.buf, val.n);
    release(&idx);
    release(&val);
    CALL(self, st);
    Py_RETURN_NONE;
}

/* (pop, name, idx or None, out) */
static PyObject *pop_get(SimObject *self, PyObject *args, pop_get_fn fn)
{
    int pop;
    const char *name;
    PyObject *idx_obj, *out_obj;
    Array idx, out;
    rv_pop_info info;
    if (check_open(self) || !PyArg_ParseTuple(args, "isOO", &pop, &name, &idx_obj, &out_obj))
        return NULL;
    CALL(self, rv_pop_get_info(self->sim, pop, &info));
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    if (get_array(out_obj, "out", F64, 8, 1, 0, &out)) {
        release(&idx);
        return NULL;
    }
    Py_ssize_t need = idx.buf ? idx.n : (Py_ssize_t)info.size;
    rv_status st = RV_OK;
    if (out.n < need)
        PyErr_Format(PyExc_ValueError, "out holds %zd values, %zd needed", out.n, need);
    else
        st = fn(self->sim, pop, name, idx.buf, idx.n, out.buf);
    release(&idx);
    release(&out);
    if (PyErr_Occurred())
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_pop_set_param(SimObject *self, PyObject *args)
{
    return pop_set(self, args, rv_pop_set_param);
}

static PyObject *Sim_pop_get_param(SimObject *self, PyObject *args)
{
    return pop_get(self, args, rv_pop_get_param);
}

static PyObject *Sim_pop_set_initial(SimObject *self, PyObject *args)
{
    return pop_set(self, args, rv_pop_set_initial);
}

static PyObject *Sim_pop_get_initial(SimObject *self, PyObject *args)
{
    return pop_get(self, args, rv_pop_get_initial);
}

static PyObject *Sim_pop_get_state(SimObject *self, PyObject *args)
{
    return pop_get(self, args, rv_pop_get_state);
}

/* Sets one list per neuron (compressed rows: offsets, values) of the
 * neurons idx (all when None): the array parameter `name`, or the spike
 * times when name is NULL. */
static PyObject *set_lists(SimObject *self, int pop, const char *name, PyObject *idx_obj,
                           PyObject *off_obj, PyObject *v_obj)
{
    Array idx, off, v;
    rv_pop_info info;
    CALL(self, rv_pop_get_info(self->sim, pop, &info));
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    if (get_array(off_obj, "offsets", I64, 8, 0, 0, &off)) {
        release(&idx);
        return NULL;
    }
    if (get_array(v_obj, "values", F64, 8, 0, 0, &v)) {
        release(&idx);
        release(&off);
        return NULL;
    }
    Py_ssize_t n = idx.buf ? idx.n : (Py_ssize_t)info.size;
    rv_status st = RV_OK;
    if (off.n != n + 1)
        PyErr_Format(PyExc_ValueError, "offsets must have %zd entries, not %zd", n + 1, off.n);
    else if (((int64_t *)off.buf)[n] > v.n)
        PyErr_SetString(PyExc_ValueError, "offsets point past the end of values");
    else if (name)
        st = rv_pop_set_array_param(self->sim, pop, name, idx.buf, n, off.buf, v.buf);
    else
        st = rv_pop_set_spike_times(self->sim, pop, idx.buf, n, off.buf, v.buf);
    release(&idx);
    release(&off);
    release(&v);
    if (PyErr_Occurred())
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

/* (pop, idx or None, offsets, times) */
static PyObject *Sim_pop_set_spike_times(SimObject *self, PyObject *args)
{
    int pop;
    PyObject *idx_obj, *off_obj, *t_obj;
    if (check_open(self) || !PyArg_ParseTuple(args, "iOOO", &pop, &idx_obj, &off_obj, &t_obj))
        return NULL;
    return set_lists(self, pop, NULL, idx_obj, off_obj, t_obj);
}

/* (pop, index) -> bytes of float64 */
static PyObject *Sim_pop_get_spike_times(SimObject *self, PyObject *args)
{
    int pop;
    long long index;
    int64_t n;
    if (check_open(self) || !PyArg_ParseTuple(args, "iL", &pop, &index))
        return NULL;
    CALL(self, rv_pop_get_spike_times(self->sim, pop, (int64_t)index, NULL, 0, &n));
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
    if (!bytes)
        return NULL;
    rv_status st = rv_pop_get_spike_times(self->sim, pop, (int64_t)index,
                                          (double *)PyBytes_AS_STRING(bytes), n, &n);
    if (st) {
        Py_DECREF(bytes);
        return raise_status(self, st);
    }
    return bytes;
}

/* (pop, name, idx or None, offsets, values): an array parameter */
static PyObject *Sim_pop_set_array_param(SimObject *self, PyObject *args)
{
    int pop;
    const char *name;
    PyObject *idx_obj, *off_obj, *v_obj;
    if (check_open(self)
        || !PyArg_ParseTuple(args, "isOOO", &pop, &name, &idx_obj, &off_obj, &v_obj))
        return NULL;
    return set_lists(self, pop, name, idx_obj, off_obj, v_obj);
}

/* (pop, name, idx or None) -> (offsets, values): the lists of the neurons
 * idx (all when None) as bytes of int64 offsets (n + 1) and float64 values */
static PyObject *Sim_pop_get_array_param(SimObject *self, PyObject *args)
{
    int pop;
    const char *name;
    PyObject *idx_obj;
    Array idx;
    rv_pop_info info;
    if (check_open(self) || !PyArg_ParseTuple(args, "isO", &pop, &name, &idx_obj))
        return NULL;
    CALL(self, rv_pop_get_info(self->sim, pop, &info));
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    const int64_t *ix = idx.buf;
    Py_ssize_t n = ix ? idx.n : (Py_ssize_t)info.size;
    PyObject *off = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((n + 1) * 8)), *val = NULL;
    rv_status st = RV_OK;
    if (off) {
        int64_t *o = (int64_t *)PyBytes_AS_STRING(off), len;
        o[0] = 0;
        for (Py_ssize_t k = 0; k < n && !st; k++) {
            st = rv_pop_get_array_param(self->sim, pop, name, ix ? ix[k] : k, NULL, 0, &len);
            o[k + 1] = o[k] + len;
        }
        if (!st && (val = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(o[n] * 8)))) {
            double *v = (double *)PyBytes_AS_STRING(val);
            for (Py_ssize_t k = 0; k < n && !st; k++)
                st = rv_pop_get_array_param(self->sim, pop, name, ix ? ix[k] : k, v + o[k],
                                            o[k + 1] - o[k], &len);
        }
    }
    release(&idx);
    if (st || !off || !val) {
        Py_XDECREF(off);
        Py_XDECREF(val);
        return st ? raise_status(self, st) : NULL;
    }
    PyObject *result = PyTuple_Pack(2, off, val);
    Py_DECREF(off);
    Py_DECREF(val);
    return result;
}

/* ---- projections ---------------------------------------------------------------- */

static PyObject *Sim_proj_create(SimObject *self, PyObject *args)
{
    int pre, post;
    const char *receptor, *syn;
    int32_t h;
    if (check_open(self) || !PyArg_ParseTuple(args, "iiss", &pre, &post, &receptor, &syn))
        return NULL;
    CALL(self, rv_proj_create(self->sim, pre, post, receptor, syn, &h));
    return PyLong_FromLong(h);
}

#define MAX_PARAMS 18

/* (proj, pre uint32, post uint32, [(name, float64 array), ...]) */
static PyObject *Sim_proj_connect(SimObject *self, PyObject *args)
{
    int proj;
    PyObject *pre_obj, *post_obj, *list;
    Array pre, post, vals[MAX_PARAMS];
    rv_values params[MAX_PARAMS];
    if (check_open(self)
        || !PyArg_ParseTuple(args, "iOOO!", &proj, &pre_obj, &post_obj, &PyList_Type, &list))
        return NULL;
    Py_ssize_t np = PyList_GET_SIZE(list);
    if (np > MAX_PARAMS) {
        PyErr_SetString(PyExc_ValueError, "too many connection parameters");
        return NULL;
    }
    if (get_array(pre_obj, "pre", U32, 4, 0, 0, &pre))
        return NULL;
    if (get_array(post_obj, "post", U32, 4, 0, 0, &post)) {
        release(&pre);
        return NULL;
    }
    Py_ssize_t got = 0;
    int failed = pre.n != post.n;
    if (failed)
        PyErr_SetString(PyExc_ValueError, "pre and post must have the same length");
    for (; got < np && !failed; got++) {
        PyObject *item = PyList_GET_ITEM(list, got);
        PyObject *arr;
        const char *name;
        if (!PyArg_ParseTuple(item, "sO", &name, &arr)
            || get_array(arr, name, F64, 8, 0, 0, &vals[got])) {
            failed = 1;
            break;
        }
        params[got] = (rv_values){name, vals[got].buf, vals[got].n};
    }
    rv_status st = RV_OK;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        st = rv_proj_connect(self->sim, proj, pre.n, pre.buf, post.buf, params, (int)np);
        Py_END_ALLOW_THREADS
    }
    for (Py_ssize_t k = 0; k < got; k++)
        release(&vals[k]);
    release(&pre);
    release(&post);
    if (failed)
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

/* A parameter spec from (name, kind, (p0..p3), matrix or None). */
static int parse_spec(PyObject *item, rv_param_spec *spec, Array *matrix)
{
    const char *name;
    int kind;
    double p[4] = {0, 0, 0, 0};
    PyObject *mat_obj;
    if (!PyArg_ParseTuple(item, "si(dddd)O", &name, &kind, &p[0], &p[1], &p[2], &p[3], &mat_obj))
        return -1;
    if (get_array(mat_obj, "matrix", F64, 8, 0, 1, matrix))
        return -1;
    spec->name = name;
    spec->kind = (rv_dist_kind)kind;
    memcpy(spec->p, p, sizeof p);
    spec->matrix = matrix->buf;
    return 0;
}

static int parse_rule(PyObject *t, rv_rule *rule)
{
    int kind, allow_self, with_replacement;
    double p;
    long long n;
    unsigned long long stream;
    if (!PyArg_ParseTuple(t, "idLiiK", &kind, &p, &n, &allow_self, &with_replacement, &stream))
        return -1;
    rule->kind = (rv_rule_kind)kind;
    rule->p = p;
    rule->n = n;
    rule->allow_self = allow_self;
    rule->with_replacement = with_replacement;
    rule->stream = stream;
    return 0;
}

/* (proj, (kind, p, n, allow_self, with_replacement, stream), pre idx or None,
 *  post idx or None, [specs]) */
static PyObject *Sim_proj_connect_rule(SimObject *self, PyObject *args)
{
    int proj;
    PyObject *rule_obj, *pre_obj, *post_obj, *list;
    rv_rule rule;
    Array pre, post, mats[MAX_PARAMS];
    rv_param_spec specs[MAX_PARAMS];
    if (check_open(self)
        || !PyArg_ParseTuple(args, "iO!OOO!", &proj, &PyTuple_Type, &rule_obj, &pre_obj,
                             &post_obj, &PyList_Type, &list)
        || parse_rule(rule_obj, &rule))
        return NULL;
    Py_ssize_t ns = PyList_GET_SIZE(list);
    if (ns > MAX_PARAMS) {
        PyErr_SetString(PyExc_ValueError, "too many parameter specs");
        return NULL;
    }
    if (get_array(pre_obj, "pre", I64, 8, 0, 1, &pre))
        return NULL;
    if (get_array(post_obj, "post", I64, 8, 0, 1, &post)) {
        release(&pre);
        return NULL;
    }
    Py_ssize_t got = 0;
    int failed = 0;
    for (; got < ns; got++)
        if (parse_spec(PyList_GET_ITEM(list, got), &specs[got], &mats[got])) {
            failed = 1;
            break;
        }
    rv_status st = RV_OK;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        st = rv_proj_connect_rule(self->sim, proj, &rule, pre.buf, pre.n, post.buf, post.n,
                                  specs, (int)ns);
        Py_END_ALLOW_THREADS
    }
    for (Py_ssize_t k = 0; k < got; k++)
        release(&mats[k]);
    release(&pre);
    release(&post);
    if (failed)
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

/* (rule tuple, pre gids, post gids) -> (bytes of int64 pre positions, post positions) */
static PyObject *Sim_rule_generate(SimObject *self, PyObject *args)
{
    PyObject *rule_obj, *pre_obj, *post_obj;
    rv_rule rule;
    Array pre, post;
    if (check_open(self)
        || !PyArg_ParseTuple(args, "O!OO", &PyTuple_Type, &rule_obj, &pre_obj, &post_obj)
        || parse_rule(rule_obj, &rule))
        return NULL;
    if (get_array(pre_obj, "pre", I64, 8, 0, 0, &pre))
        return NULL;
    if (get_array(post_obj, "post", I64, 8, 0, 0, &post)) {
        release(&pre);
        return NULL;
    }
    int64_t n = 0;
    const int64_t *a = NULL, *b = NULL;
    rv_status st;
    Py_BEGIN_ALLOW_THREADS
    st = rv_rule_generate(self->sim, &rule, pre.buf, pre.n, post.buf, post.n, &n, &a, &b);
    Py_END_ALLOW_THREADS
    release(&pre);
    release(&post);
    CALL(self, st);
    return Py_BuildValue("(y#y#)", n ? (const char *)a : "", (Py_ssize_t)(n * 8),
                         n ? (const char *)b : "", (Py_ssize_t)(n * 8));
}

static PyObject *Sim_proj_size(SimObject *self, PyObject *args)
{
    int proj;
    int64_t n;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &proj))
        return NULL;
    CALL(self, rv_proj_size(self->sim, proj, &n));
    return PyLong_FromLongLong(n);
}

static PyObject *Sim_proj_memory(SimObject *self, PyObject *args)
{
    int proj;
    int64_t n;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &proj))
        return NULL;
    CALL(self, rv_proj_memory(self->sim, proj, &n));
    return PyLong_FromLongLong(n);
}

/* Checks that an output array holds the whole projection. */
static int proj_out(SimObject *self, int proj, PyObject *obj, const char *what,
                    const char *formats, Py_ssize_t itemsize, Array *a)
{
    int64_t n;
    rv_status st = rv_proj_size(self->sim, proj, &n);
    if (st) {
        raise_status(self, st);
        return -1;
    }
    if (get_array(obj, what, formats, itemsize, 1, 0, a))
        return -1;
    if (a->n < n) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd values, %lld needed", what, a->n,
                     (long long)n);
        release(a);
        return -1;
    }
    return 0;
}

static PyObject *Sim_proj_get_pairs(SimObject *self, PyObject *args)
{
    int proj;
    PyObject *pre_obj, *post_obj;
    Array pre, post;
    if (check_open(self) || !PyArg_ParseTuple(args, "iOO", &proj, &pre_obj, &post_obj))
        return NULL;
    if (proj_out(self, proj, pre_obj, "pre", U32, 4, &pre))
        return NULL;
    if (proj_out(self, proj, post_obj, "post", U32, 4, &post)) {
        release(&pre);
        return NULL;
    }
    rv_status st = rv_proj_get_pairs(self->sim, proj, pre.buf, post.buf);
    release(&pre);
    release(&post);
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_proj_get(SimObject *self, PyObject *args)
{
    int proj;
    const char *name;
    PyObject *out_obj;
    Array out;
    if (check_open(self) || !PyArg_ParseTuple(args, "isO", &proj, &name, &out_obj))
        return NULL;
    if (proj_out(self, proj, out_obj, "out", F64, 8, &out))
        return NULL;
    rv_status st = rv_proj_get(self->sim, proj, name, out.buf);
    release(&out);
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_proj_set(SimObject *self, PyObject *args)
{
    int proj;
    const char *name;
    PyObject *val_obj;
    Array val;
    if (check_open(self) || !PyArg_ParseTuple(args, "isO", &proj, &name, &val_obj))
        return NULL;
    if (get_array(val_obj, "values", F64, 8, 0, 0, &val))
        return NULL;
    rv_status st = rv_proj_set(self->sim, proj, name, val.buf, val.n);
    release(&val);
    CALL(self, st);
    Py_RETURN_NONE;
}

/* ((name, kind, params, None), stream, key, out) */
static PyObject *Sim_random_fill(SimObject *self, PyObject *args)
{
    PyObject *spec_obj, *out_obj;
    unsigned long long stream, key;
    rv_param_spec spec;
    Array mat, out;
    if (check_open(self) || !PyArg_ParseTuple(args, "OKKO", &spec_obj, &stream, &key, &out_obj))
        return NULL;
    if (parse_spec(spec_obj, &spec, &mat))
        return NULL;
    release(&mat);
    if (get_array(out_obj, "out", F64, 8, 1, 0, &out))
        return NULL;
    rv_status st = rv_random_fill(self->sim, &spec, stream, key, out.n, out.buf);
    release(&out);
    CALL(self, st);
    Py_RETURN_NONE;
}

/* ---- current sources ----------------------------------------------------------- */

static PyObject *Sim_cs_create(SimObject *self, PyObject *args)
{
    const char *model;
    int32_t h;
    if (check_open(self) || !PyArg_ParseTuple(args, "s", &model))
        return NULL;
    CALL(self, rv_cs_create(self->sim, model, &h));
    return PyLong_FromLong(h);
}

static PyObject *Sim_cs_set(SimObject *self, PyObject *args)
{
    int cs;
    const char *name;
    double value;
    if (check_open(self) || !PyArg_ParseTuple(args, "isd", &cs, &name, &value))
        return NULL;
    CALL(self, rv_cs_set(self->sim, cs, name, value));
    Py_RETURN_NONE;
}

static PyObject *Sim_cs_get(SimObject *self, PyObject *args)
{
    int cs;
    const char *name;
    double value;
    if (check_open(self) || !PyArg_ParseTuple(args, "is", &cs, &name))
        return NULL;
    CALL(self, rv_cs_get(self->sim, cs, name, &value));
    return PyFloat_FromDouble(value);
}

static PyObject *Sim_cs_set_steps(SimObject *self, PyObject *args)
{
    int cs;
    PyObject *t_obj, *a_obj;
    Array t, a;
    if (check_open(self) || !PyArg_ParseTuple(args, "iOO", &cs, &t_obj, &a_obj))
        return NULL;
    if (get_array(t_obj, "times", F64, 8, 0, 0, &t))
        return NULL;
    if (get_array(a_obj, "amplitudes", F64, 8, 0, 0, &a)) {
        release(&t);
        return NULL;
    }
    rv_status st = RV_OK;
    if (t.n != a.n)
        PyErr_Format(PyExc_ValueError, "times (%zd) and amplitudes (%zd) differ in length", t.n,
                     a.n);
    else
        st = rv_cs_set_steps(self->sim, cs, t.buf, a.buf, t.n);
    release(&t);
    release(&a);
    if (PyErr_Occurred())
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_cs_get_steps(SimObject *self, PyObject *args)
{
    int cs;
    int64_t n;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &cs))
        return NULL;
    CALL(self, rv_cs_get_steps(self->sim, cs, NULL, NULL, 0, &n));
    PyObject *t = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
    PyObject *a = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
    if (!t || !a) {
        Py_XDECREF(t);
        Py_XDECREF(a);
        return NULL;
    }
    rv_status st = rv_cs_get_steps(self->sim, cs, (double *)PyBytes_AS_STRING(t),
                                   (double *)PyBytes_AS_STRING(a), n, &n);
    if (st) {
        Py_DECREF(t);
        Py_DECREF(a);
        return raise_status(self, st);
    }
    return Py_BuildValue("(NN)", t, a);
}

static PyObject *Sim_cs_inject(SimObject *self, PyObject *args)
{
    int cs, pop;
    PyObject *idx_obj;
    Array idx;
    if (check_open(self) || !PyArg_ParseTuple(args, "iiO", &cs, &pop, &idx_obj))
        return NULL;
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    rv_status st = rv_cs_inject(self->sim, cs, pop, idx.buf, idx.n);
    release(&idx);
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_cs_record(SimObject *self, PyObject *args)
{
    int cs, enable;
    if (check_open(self) || !PyArg_ParseTuple(args, "ip", &cs, &enable))
        return NULL;
    CALL(self, rv_cs_record(self->sim, cs, enable));
    Py_RETURN_NONE;
}

static PyObject *Sim_cs_get_trace(SimObject *self, PyObject *args)
{
    int cs;
    const double *v;
    int64_t n;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &cs))
        return NULL;
    CALL(self, rv_cs_get_trace(self->sim, cs, &v, &n));
    return PyBytes_FromStringAndSize(n ? (const char *)v : "", (Py_ssize_t)(n * 8));
}

/* ---- recording ----------------------------------------------------------------- */

static PyObject *Sim_rec_set(SimObject *self, PyObject *args)
{
    int pop, enable;
    const char *var;
    PyObject *idx_obj;
    Array idx;
    if (check_open(self) || !PyArg_ParseTuple(args, "isOp", &pop, &var, &idx_obj, &enable))
        return NULL;
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    rv_status st = rv_rec_set(self->sim, pop, var, idx.buf, idx.n, enable);
    release(&idx);
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_rec_set_interval(SimObject *self, PyObject *args)
{
    int pop;
    double interval;
    if (check_open(self) || !PyArg_ParseTuple(args, "id", &pop, &interval))
        return NULL;
    CALL(self, rv_rec_set_interval(self->sim, pop, interval));
    Py_RETURN_NONE;
}

/* pop -> (bytes of uint32 indices, bytes of float64 times) */
static PyObject *Sim_rec_get_spikes(SimObject *self, PyObject *args)
{
    int pop;
    int64_t n;
    const uint32_t *idx;
    const double *t;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &pop))
        return NULL;
    CALL(self, rv_rec_get_spikes(self->sim, pop, &n, &idx, &t));
    /* an empty recording may be NULL views: give empty bytes, not None */
    return Py_BuildValue("(y#y#)", n ? (const char *)idx : "", (Py_ssize_t)(n * 4),
                         n ? (const char *)t : "", (Py_ssize_t)(n * 8));
}

static PyObject *Sim_rec_spike_counts(SimObject *self, PyObject *args)
{
    int pop;
    PyObject *idx_obj, *out_obj;
    Array idx, out;
    rv_pop_info info;
    if (check_open(self) || !PyArg_ParseTuple(args, "iOO", &pop, &idx_obj, &out_obj))
        return NULL;
    CALL(self, rv_pop_get_info(self->sim, pop, &info));
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    if (get_array(out_obj, "counts", I64, 8, 1, 0, &out)) {
        release(&idx);
        return NULL;
    }
    Py_ssize_t need = idx.buf ? idx.n : (Py_ssize_t)info.size;
    rv_status st = RV_OK;
    if (out.n < need)
        PyErr_Format(PyExc_ValueError, "counts holds %zd values, %zd needed", out.n, need);
    else
        st = rv_rec_spike_counts(self->sim, pop, idx.buf, idx.n, out.buf);
    release(&idx);
    release(&out);
    if (PyErr_Occurred())
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_rec_signal_info(SimObject *self, PyObject *args)
{
    int pop;
    const char *var;
    int64_t n;
    double t0, interval;
    if (check_open(self) || !PyArg_ParseTuple(args, "is", &pop, &var))
        return NULL;
    CALL(self, rv_rec_get_signal_info(self->sim, pop, var, &n, &t0, &interval));
    return Py_BuildValue("(Ldd)", (long long)n, t0, interval);
}

static PyObject *Sim_rec_get_signal(SimObject *self, PyObject *args)
{
    int pop;
    const char *var;
    PyObject *idx_obj, *out_obj;
    Array idx, out;
    int64_t n;
    double t0, interval;
    rv_pop_info info;
    if (check_open(self) || !PyArg_ParseTuple(args, "isOO", &pop, &var, &idx_obj, &out_obj))
        return NULL;
    CALL(self, rv_pop_get_info(self->sim, pop, &info));
    CALL(self, rv_rec_get_signal_info(self->sim, pop, var, &n, &t0, &interval));
    if (get_array(idx_obj, "idx", I64, 8, 0, 1, &idx))
        return NULL;
    if (get_array(out_obj, "out", F64, 8, 1, 0, &out)) {
        release(&idx);
        return NULL;
    }
    Py_ssize_t cols = idx.buf ? idx.n : (Py_ssize_t)info.size;
    rv_status st = RV_OK;
    if (out.n < (Py_ssize_t)n * cols)
        PyErr_Format(PyExc_ValueError, "out holds %zd values, %lld needed", out.n,
                     (long long)(n * cols));
    else
        st = rv_rec_get_signal(self->sim, pop, var, idx.buf, idx.n, out.buf);
    release(&idx);
    release(&out);
    if (PyErr_Occurred())
        return NULL;
    CALL(self, st);
    Py_RETURN_NONE;
}

static PyObject *Sim_rec_clear(SimObject *self, PyObject *args)
{
    int pop;
    if (check_open(self) || !PyArg_ParseTuple(args, "i", &pop))
        return NULL;
    CALL(self, rv_rec_clear(self->sim, pop));
    Py_RETURN_NONE;
}

/* ---- module-level: models -------------------------------------------------------- */

static PyObject *core_models(PyObject *mod, PyObject *unused)
{
    int n = rv_model_count();
    PyObject *list = PyList_New(n);
    if (!list)
        return NULL;
    for (int i = 0; i < n; i++)
        PyList_SET_ITEM(list, i, PyUnicode_FromString(rv_model_name(i)));
    return list;
}

/* name -> dict(kind, conductance_based, voltage_jump, params=[(name, unit, default, rule)],
 *              vars=[(name, unit, initial)], receptors=[...]) */
static PyObject *core_model_info(PyObject *mod, PyObject *args)
{
    const char *name;
    rv_model_info info;
    if (!PyArg_ParseTuple(args, "s", &name))
        return NULL;
    if (rv_model_get_info(name, &info)) {
        PyErr_Format(PyExc_KeyError, "unknown model '%s'", name);
        return NULL;
    }
    PyObject *params = PyList_New(info.n_params), *vars = PyList_New(info.n_vars);
    PyObject *recs = PyList_New(info.n_receptors);
    if (!params || !vars || !recs)
        goto fail;
    for (int i = 0; i < info.n_params; i++) {
        rv_param_info p;
        rv_model_get_param(name, i, &p);
        PyList_SET_ITEM(params, i, Py_BuildValue("(ssds)", p.name, p.unit, p.default_value, p.rule));
    }
    for (int i = 0; i < info.n_vars; i++) {
        rv_var_info v;
        rv_model_get_var(name, i, &v);
        PyList_SET_ITEM(vars, i, Py_BuildValue("(ssd)", v.name, v.unit, v.default_initial));
    }
    for (int i = 0; i < info.n_receptors; i++) {
        const char *r;
        rv_model_get_receptor(name, i, &r);
        PyList_SET_ITEM(recs, i, PyUnicode_FromString(r));
    }
    return Py_BuildValue("{s:s,s:i,s:i,s:N,s:N,s:N}", "kind",
                         info.kind == RV_MODEL_NEURON ? "neuron" : "spike_source",
                         "conductance_based", info.conductance_based, "voltage_jump",
                         info.voltage_jump, "params", params, "vars", vars, "receptors", recs);
fail:
    Py_XDECREF(params);
    Py_XDECREF(vars);
    Py_XDECREF(recs);
    return NULL;
}

static PyMethodDef Sim_methods[] = {
    {"close", (PyCFunction)Sim_close, METH_NOARGS, "Free the kernel simulation now."},
    {"set_timing", (PyCFunction)Sim_set_timing, METH_VARARGS, "set_timing(dt, min_delay, max_delay)"},
    {"set_seed", (PyCFunction)Sim_set_seed, METH_VARARGS, "set_seed(seed)"},
    {"set_threads", (PyCFunction)Sim_set_threads, METH_VARARGS, "set_threads(n)"},
    {"set_mpi", (PyCFunction)Sim_set_mpi, METH_VARARGS, "set_mpi(address of an MPI_Comm)"},
    {"info", (PyCFunction)Sim_info, METH_NOARGS, "info() -> dict"},
    {"run_until", (PyCFunction)Sim_run_until, METH_VARARGS, "run_until(t_ms)"},
    {"reset", (PyCFunction)Sim_reset, METH_NOARGS, "reset()"},
    {"pop_create", (PyCFunction)Sim_pop_create, METH_VARARGS, "pop_create(model, n) -> handle"},
    {"pop_create_composed", (PyCFunction)Sim_pop_create_composed, METH_VARARGS, "pop_create_composed(component, names, kinds, n) -> handle"},
    {"pop_info", (PyCFunction)Sim_pop_info, METH_VARARGS, "pop_info(pop) -> (model, size, first_gid)"},
    {"pop_set_param", (PyCFunction)Sim_pop_set_param, METH_VARARGS, "pop_set_param(pop, name, idx, values)"},
    {"pop_get_param", (PyCFunction)Sim_pop_get_param, METH_VARARGS, "pop_get_param(pop, name, idx, out)"},
    {"pop_set_initial", (PyCFunction)Sim_pop_set_initial, METH_VARARGS, "pop_set_initial(pop, var, idx, values)"},
    {"pop_get_initial", (PyCFunction)Sim_pop_get_initial, METH_VARARGS, "pop_get_initial(pop, var, idx, out)"},
    {"pop_get_state", (PyCFunction)Sim_pop_get_state, METH_VARARGS, "pop_get_state(pop, var, idx, out)"},
    {"pop_set_spike_times", (PyCFunction)Sim_pop_set_spike_times, METH_VARARGS, "pop_set_spike_times(pop, idx, offsets, times)"},
    {"pop_get_spike_times", (PyCFunction)Sim_pop_get_spike_times, METH_VARARGS, "pop_get_spike_times(pop, index) -> bytes"},
    {"pop_set_array_param", (PyCFunction)Sim_pop_set_array_param, METH_VARARGS, "pop_set_array_param(pop, name, idx, offsets, values)"},
    {"pop_get_array_param", (PyCFunction)Sim_pop_get_array_param, METH_VARARGS, "pop_get_array_param(pop, name, idx) -> (offsets, values) bytes"},
    {"proj_create", (PyCFunction)Sim_proj_create, METH_VARARGS, "proj_create(pre, post, receptor, synapse_model) -> handle"},
    {"proj_connect", (PyCFunction)Sim_proj_connect, METH_VARARGS, "proj_connect(proj, pre, post, [(name, values)])"},
    {"proj_connect_rule", (PyCFunction)Sim_proj_connect_rule, METH_VARARGS, "proj_connect_rule(proj, rule, pre_idx, post_idx, specs)"},
    {"rule_generate", (PyCFunction)Sim_rule_generate, METH_VARARGS, "rule_generate(rule, pre_gids, post_gids) -> (bytes, bytes)"},
    {"proj_size", (PyCFunction)Sim_proj_size, METH_VARARGS, "proj_size(proj) -> int"},
    {"proj_memory", (PyCFunction)Sim_proj_memory, METH_VARARGS, "proj_memory(proj) -> bytes used"},
    {"proj_get_pairs", (PyCFunction)Sim_proj_get_pairs, METH_VARARGS, "proj_get_pairs(proj, pre_out, post_out)"},
    {"proj_get", (PyCFunction)Sim_proj_get, METH_VARARGS, "proj_get(proj, name, out)"},
    {"proj_set", (PyCFunction)Sim_proj_set, METH_VARARGS, "proj_set(proj, name, values)"},
    {"random_fill", (PyCFunction)Sim_random_fill, METH_VARARGS, "random_fill(spec, stream, key, out)"},
    {"cs_create", (PyCFunction)Sim_cs_create, METH_VARARGS, "cs_create(model) -> handle"},
    {"cs_set", (PyCFunction)Sim_cs_set, METH_VARARGS, "cs_set(cs, name, value)"},
    {"cs_get", (PyCFunction)Sim_cs_get, METH_VARARGS, "cs_get(cs, name) -> float"},
    {"cs_set_steps", (PyCFunction)Sim_cs_set_steps, METH_VARARGS, "cs_set_steps(cs, times, amplitudes)"},
    {"cs_get_steps", (PyCFunction)Sim_cs_get_steps, METH_VARARGS, "cs_get_steps(cs) -> (bytes, bytes)"},
    {"cs_inject", (PyCFunction)Sim_cs_inject, METH_VARARGS, "cs_inject(cs, pop, idx)"},
    {"cs_record", (PyCFunction)Sim_cs_record, METH_VARARGS, "cs_record(cs, enable)"},
    {"cs_get_trace", (PyCFunction)Sim_cs_get_trace, METH_VARARGS, "cs_get_trace(cs) -> bytes"},
    {"rec_set", (PyCFunction)Sim_rec_set, METH_VARARGS, "rec_set(pop, var, idx, enable)"},
    {"rec_set_interval", (PyCFunction)Sim_rec_set_interval, METH_VARARGS, "rec_set_interval(pop, interval)"},
    {"rec_get_spikes", (PyCFunction)Sim_rec_get_spikes, METH_VARARGS, "rec_get_spikes(pop) -> (bytes, bytes)"},
    {"rec_spike_counts", (PyCFunction)Sim_rec_spike_counts, METH_VARARGS, "rec_spike_counts(pop, idx, out)"},
    {"rec_signal_info", (PyCFunction)Sim_rec_signal_info, METH_VARARGS, "rec_signal_info(pop, var) -> (n, t_first, interval)"},
    {"rec_get_signal", (PyCFunction)Sim_rec_get_signal, METH_VARARGS, "rec_get_signal(pop, var, idx, out)"},
    {"rec_clear", (PyCFunction)Sim_rec_clear, METH_VARARGS, "rec_clear(pop)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SimType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ranvier._core.Sim",
    .tp_basicsize = sizeof(SimObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A Ranvier kernel simulation (one rv_sim).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Sim_init,
    .tp_dealloc = (destructor)Sim_dealloc,
    .tp_methods = Sim_methods,
};

static PyMethodDef module_methods[] = {
    {"models", core_models, METH_NOARGS, "Names of the built-in models."},
    {"model_info", core_model_info, METH_VARARGS, "Parameter and variable tables of a model."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "ranvier._core",
    "Thin bindings to the Ranvier C kernel (see include/ranvier/ranvier.h).", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__core(void)
{
    if (PyType_Ready(&SimType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m)
        return NULL;
    KernelError = PyErr_NewException("ranvier._core.KernelError", PyExc_RuntimeError, NULL);
    Py_INCREF(&SimType);
    if (PyModule_AddObject(m, "Sim", (PyObject *)&SimType) < 0
        || PyModule_AddObject(m, "KernelError", KernelError) < 0
        || PyModule_AddStringConstant(m, "version", rv_version()) < 0
        || PyModule_AddIntConstant(m, "MAX_DELAY_STEPS", RV_MAX_DELAY_STEPS) < 0
#ifdef RANVIER_HAVE_MPI
        || PyModule_AddIntConstant(m, "HAVE_MPI", 1) < 0
#else
        || PyModule_AddIntConstant(m, "HAVE_MPI", 0) < 0
#endif
        ) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
