"""
Projections of the Ranvier backend.

A Projection between Populations, views or Assemblies is stored in the
kernel as one kernel projection per pair of root Populations it touches.
Connections are made in one of three ways, fastest first:

1. the kernel runs the connection rule itself (all-to-all, one-to-one,
   fixed probability / number / total number) when the connector uses no
   Python RNG (rng=None or a Ranvier NativeRNG) and every parameter is a
   constant, a 2-D array or a distribution on a NativeRNG;
2. fastconnect.plan() reproduces, in bulk, exactly the connections and
   values PyNN's generic algorithm would draw from the user's NumpyRNGs;
3. otherwise PyNN's generic algorithm runs, and the connections it makes
   (one `_convergent_connect` call per target) are sent to the kernel in
   one go at the end.
In every case the connections cross to the kernel as whole arrays.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np

from pyNN import common, connectors as pynn_connectors, errors
from pyNN.parameters import LazyArray
from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.space import Space
from pyNN.standardmodels.base import check_weights

from ranvier import _core

from . import fastconnect, simulator
from .populations import Assembly, PopulationView
from .random import NativeRNG
from .standardmodels.synapses import StaticSynapse

# Kernel codes (include/ranvier/ranvier.h: rv_rule_kind, rv_dist_kind).
RULES = [
    (pynn_connectors.AllToAllConnector, 0),
    (pynn_connectors.OneToOneConnector, 1),
    (pynn_connectors.FixedProbabilityConnector, 2),
    (pynn_connectors.FixedNumberPreConnector, 3),
    (pynn_connectors.FixedNumberPostConnector, 4),
    (pynn_connectors.FixedTotalNumberConnector, 5),
]
DISTRIBUTIONS = {
    "uniform": (1, ("low", "high")),
    "uniform_int": (2, ("low", "high")),
    "normal": (3, ("mu", "sigma")),
    "normal_clipped": (4, ("mu", "sigma", "low", "high")),
    "normal_clipped_to_boundary": (5, ("mu", "sigma", "low", "high")),
    "exponential": (6, ("beta",)),
    "lognormal": (7, ("mu", "sigma")),
    "gamma": (8, ("k", "theta")),
    "poisson": (9, ("lambda_",)),
    "binomial": (10, ("n", "p")),
    "vonmises": (11, ("mu", "kappa")),
}
CONSTANT, MATRIX = 0, 12


def _extra_parameters(synapse_type):
    """The native parameters a synapse type adds to its translated ones: an
    STDPMechanism's timing and weight dependences name the kernel's rule
    (timing_rule, weight_rule).  PyNN's native_parameters adds them, but
    connectors that translate the parameter space themselves
    (FromListConnector, FromFileConnector, and fastconnect's bulk copy of
    them) do not: their connections got the kernel's defaults, so every
    STDPMechanism made by them ran as additive SpikePairRule."""
    extra = dict(getattr(synapse_type, "extra_parameters", None) or {})
    for part in ("timing_dependence", "weight_dependence"):
        extra.update(getattr(getattr(synapse_type, part, None), "extra_parameters", None) or {})
    return extra


def _components(cells):
    """The root Populations under cells (Population, view or Assembly), as
    (population, root indices) in the order of the cells' own indices."""
    if isinstance(cells, Assembly):
        return [c for p in cells.populations for c in _components(p)]
    if isinstance(cells, PopulationView):
        idx = cells.index_in_grandparent(np.arange(cells.size))
        return [(cells.grandparent, np.asarray(idx, dtype=np.int64))]
    return [(cells, np.arange(cells.size, dtype=np.int64))]


class Side:
    """One side (pre or post) of a projection: maps the projection's
    indices to (root Population, root index) and back."""

    def __init__(self, cells):
        self.parts = _components(cells)
        sizes = [idx.size for _, idx in self.parts]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.part = np.repeat(np.arange(len(self.parts)), sizes)
        self.root_index = (np.concatenate([idx for _, idx in self.parts])
                           if self.parts else np.zeros(0, np.int64))
        self.gids = np.concatenate(
            [p.first_id - simulator.ID_OFFSET + idx for p, idx in self.parts]).astype(np.int64)
        # a whole Population: projection indices are root indices
        self.identity = (len(self.parts) == 1
                         and np.array_equal(self.root_index, np.arange(self.root_index.size)))
        self._root_index_u32 = None

    def root_indices(self, indices):
        """Root indices (uint32, as the kernel takes them) of projection indices
        on a side with a single root Population."""
        if self.identity:
            return np.ascontiguousarray(indices, dtype=np.uint32)
        if self._root_index_u32 is None:
            self._root_index_u32 = self.root_index.astype(np.uint32)
        return self._root_index_u32[indices]

    def local_index(self, part, root_indices):
        """Projection indices of root indices within part `part`."""
        idx = self.parts[part][1]
        order = np.argsort(idx, kind="stable")
        pos = np.searchsorted(idx, root_indices, sorter=order)
        return self.offsets[part] + order[pos]


class Connection(common.Connection):
    """One connection, read and written through its Projection."""

    def __init__(self, projection, k):
        self._projection = projection
        self._k = k

    @property
    def presynaptic_index(self):
        return int(self._projection._arrays()["presynaptic_index"][self._k])

    @property
    def postsynaptic_index(self):
        return int(self._projection._arrays()["postsynaptic_index"][self._k])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        values = self._projection._arrays(name)
        if name not in values:
            raise AttributeError(name)
        return float(values[name][self._k])

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._projection._set_one(self._k, name, value)

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(),
                 label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        state = simulator.state
        self._stream = state.n_projections
        state.n_projections += 1
        state.projections.append(self)
        self._pre_side = Side(self.pre)
        self._post_side = Side(self.post)
        self._kernel = {}          # (pre part, post part) -> kernel projection
        self._pending = []
        self._cache = None
        self._connect(connector)

    # -- making connections -------------------------------------------------

    def _connect(self, connector):
        if self._connect_natively(connector):
            pass
        else:
            plan = fastconnect.plan(self, connector)
            if plan is not None:
                self._store(plan.pre, plan.post, plan.params)
            else:
                self._connect_generically(connector)
                return
        if getattr(connector, "callback", None):
            connector.callback(1.0)

    def _connect_generically(self, connector):
        """PyNN's own algorithm; a NativeRNG is replaced by a NumpyRNG seeded
        from the simulation seed and this projection."""
        saved = getattr(connector, "rng", None)
        if getattr(connector, "native_rng", False) and hasattr(connector, "rng"):
            connector.rng = NumpyRNG(seed=simulator.state.seed * 1000003 + self._stream)
        try:
            connector.connect(self)
        finally:
            if saved is not None:
                connector.rng = saved
        self._flush_pending()

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("Ranvier supports point neurons only: "
                                      "location_selector must be None")
        self._pending.append((np.asarray(presynaptic_indices, dtype=np.int64).ravel(),
                              int(postsynaptic_index), connection_parameters))

    def _flush_pending(self):
        if not self._pending:
            return
        pre = np.concatenate([p for p, _, _ in self._pending])
        post = np.concatenate([np.full(p.size, j, dtype=np.int64) for p, j, _ in self._pending])
        params = {}
        for name in self._pending[0][2]:
            params[name] = np.concatenate([
                np.broadcast_to(np.asarray(c[name], dtype=np.float64), (p.size,))
                for p, _, c in self._pending])
        self._pending = []
        self._store(pre, post, params)

    def _kernel_projection(self, a, b):
        key = (a, b)
        if key not in self._kernel:
            pre_pop, post_pop = self._pre_side.parts[a][0], self._post_side.parts[b][0]
            self._kernel[key] = self._kernel_call(
                simulator.state.kernel.proj_create, pre_pop._handle, post_pop._handle,
                self.receptor_type, self.synapse_type.kernel_model)
        return self._kernel[key]

    def _store(self, pre, post, params):
        """Sends connections (projection indices, of any integer type) to the kernel."""
        params = {name: np.asarray(value, dtype=np.float64) for name, value in params.items()}
        for name, value in _extra_parameters(self.synapse_type).items():
            params.setdefault(name, np.asarray(value, dtype=np.float64))
        self._cache = None
        if np.size(pre) == 0:
            return
        if len(self._pre_side.parts) == 1 and len(self._post_side.parts) == 1:
            # one kernel projection: the arrays go as they are, without
            # masks or int64 copies (a projection may have 10**8 synapses)
            self._kernel_call(
                simulator.state.kernel.proj_connect, self._kernel_projection(0, 0),
                self._pre_side.root_indices(pre), self._post_side.root_indices(post),
                [(name, np.ascontiguousarray(v).reshape(-1)) for name, v in params.items()])
            return
        pre = np.asarray(pre, dtype=np.int64)
        post = np.asarray(post, dtype=np.int64)
        pre_part, post_part = self._pre_side.part[pre], self._post_side.part[post]
        for a in np.unique(pre_part):
            for b in np.unique(post_part):
                mask = (pre_part == a) & (post_part == b)
                if not mask.any():
                    continue
                values = [(name, np.ascontiguousarray(v if v.ndim == 0 else v[mask]).reshape(-1))
                          for name, v in params.items()]
                self._kernel_call(
                    simulator.state.kernel.proj_connect, self._kernel_projection(a, b),
                    np.ascontiguousarray(self._pre_side.root_index[pre[mask]], dtype=np.uint32),
                    np.ascontiguousarray(self._post_side.root_index[post[mask]], dtype=np.uint32),
                    values)

    def _connect_natively(self, connector):
        """Runs the rule in the kernel when it is one the kernel knows and
        nothing needs Python's random numbers.  Returns False otherwise."""
        cls = type(connector)
        if cls.__module__ == "pyNN.ranvier.connectors":
            cls = cls.__bases__[0]
        kind = dict(RULES).get(cls)
        if kind is None:
            return False
        random_rule = kind >= 2
        if random_rule and not getattr(connector, "native_rng", False):
            return False
        allow_self = getattr(connector, "allow_self_connections", True)
        n = getattr(connector, "n", 0)
        if not isinstance(allow_self, bool) or not isinstance(n, (int, np.integer)):
            return False
        specs = self._native_specs()
        if specs is None:
            return False
        # PyNN's connectors check the weights' signs (synapse_type.parameter_checks);
        # so must the native rules: a constant before connecting, drawn or
        # per-pair values once the connections are made, as PyNN does.
        check = getattr(connector, "safe", True)
        weight_kind = dict((name, kind_) for name, kind_, _, _ in specs).get("weight")
        if check and weight_kind == CONSTANT:
            check_weights(next(p[0] for name, _, p, _ in specs if name == "weight"), self)
        if connector.safe:
            # PyNN checks the weights of each target's connections; a
            # constant weight is the same check for all of them.
            for name, kind_, p, _ in specs:
                if name == "weight" and kind_ == CONSTANT:
                    check_weights(p[0], self)
        if kind in (3, 4) and self.pre is not self.post:
            allow_self = True    # PyNN excludes self-connections only within one population
        rule = (kind, float(getattr(connector, "p_connect", 0.0)), int(n), int(allow_self),
                int(getattr(connector, "with_replacement", True)), self._rule_stream(connector))
        if len(self._pre_side.parts) == 1 and len(self._post_side.parts) == 1:
            pre_idx = self._pre_side.root_index
            post_idx = self._post_side.root_index
            self._kernel_call(simulator.state.kernel.proj_connect_rule,
                              self._kernel_projection(0, 0), rule,
                              np.ascontiguousarray(pre_idx), np.ascontiguousarray(post_idx),
                              specs)
            self._cache = None
            if check and weight_kind not in (None, CONSTANT) and len(self):
                check_weights(self._arrays("weight")["weight"], self)
            return True
        # Several root populations on a side: draw the pairs in the kernel,
        # then route them; parameters with a distribution cannot be routed.
        if any(kind_ not in (CONSTANT, MATRIX) for _, kind_, _, _ in specs):
            return False
        raw_pre, raw_post = self._kernel_call(simulator.state.kernel.rule_generate, rule,
                                              self._pre_side.gids, self._post_side.gids)
        pre = np.frombuffer(raw_pre, dtype=np.int64)
        post = np.frombuffer(raw_post, dtype=np.int64)
        params = {}
        for name, kind_, p, matrix in specs:
            params[name] = (p[0] if kind_ == CONSTANT
                            else matrix[pre * self.post.size + post])
        self._store(pre, post, params)
        return True

    def _rule_stream(self, connector):
        rng = getattr(connector, "rng", None)
        if isinstance(rng, NativeRNG) and rng.seed is not None:
            return (int(rng.seed) << 20) + self._stream
        return self._stream

    def _native_specs(self):
        """Kernel parameter specs, or None if a value needs Python."""
        # decided before native_parameters, which deep-copies every RNG
        for _, lazy in self.synapse_type.parameter_space.items():
            base = getattr(lazy, "base_value", None)
            if isinstance(base, RandomDistribution) and not isinstance(base.rng, NativeRNG):
                return None
        parameter_space = self.synapse_type.native_parameters
        parameter_space.shape = self.shape
        specs = []
        for name, lazy in parameter_space.items():
            if lazy.operations:
                return None
            value = lazy.base_value
            if lazy.is_homogeneous and np.ndim(value) == 0 and not callable(value):
                specs.append((name, CONSTANT, (float(value), 0.0, 0.0, 0.0), None))
            elif isinstance(value, np.ndarray) and value.shape == self.shape:
                specs.append((name, MATRIX, (0.0, 0.0, 0.0, 0.0),
                              np.ascontiguousarray(value, dtype=np.float64).ravel()))
            elif isinstance(value, RandomDistribution) and isinstance(value.rng, NativeRNG):
                if value.name not in DISTRIBUTIONS:
                    return None
                code, names = DISTRIBUTIONS[value.name]
                p = [float(value.parameters[k]) for k in names] + [0.0] * (4 - len(names))
                specs.append((name, code, tuple(p), None))
            else:
                return None
        return specs

    # -- reading ------------------------------------------------------------

    def __len__(self):
        kernel = simulator.state.kernel
        return int(sum(kernel.proj_size(h) for h in self._kernel.values()))

    def _arrays(self, *names):
        """All connections as arrays: indices within pre/post, and the
        named native parameters (cached until something changes)."""
        generation = simulator.state.generation
        if self._cache is not None and self._cache["_generation"] != generation:
            # A run or a reset changes synaptic state (learned weights, u of
            # Tsodyks-Markram): keep only the connections.
            self._cache = {k: v for k, v in self._cache.items()
                           if k in ("_order", "presynaptic_index", "postsynaptic_index")}
            self._cache["_generation"] = generation
        if self._cache is None:
            self._cache = {"_order": [], "_generation": generation}
            pre_list, post_list = [], []
            kernel = simulator.state.kernel
            for (a, b), h in self._kernel.items():
                n = kernel.proj_size(h)
                root_pre = np.empty(n, dtype=np.uint32)
                root_post = np.empty(n, dtype=np.uint32)
                kernel.proj_get_pairs(h, root_pre, root_post)
                pre_list.append(self._pre_side.local_index(a, root_pre.astype(np.int64)))
                post_list.append(self._post_side.local_index(b, root_post.astype(np.int64)))
                self._cache["_order"].append((h, n))
            cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64))
            self._cache["presynaptic_index"] = cat(pre_list)
            self._cache["postsynaptic_index"] = cat(post_list)
        for name in names:
            if name not in self._cache and name not in ("presynaptic_index",
                                                        "postsynaptic_index"):
                parts = []
                for h, n in self._cache["_order"]:
                    out = np.empty(n)
                    self._kernel_call(simulator.state.kernel.proj_get, h, name, out)
                    parts.append(out)
                self._cache[name] = np.concatenate(parts) if parts else np.zeros(0)
        return self._cache

    @property
    def connections(self):
        return [Connection(self, k) for k in range(len(self))]

    def __getitem__(self, i):
        n = len(self)
        if isinstance(i, slice):
            return [Connection(self, k) for k in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("connection index %d out of range" % i)
        return Connection(self, i)

    def _native_names(self, names):
        return [name[:-1] if name.endswith("s") and name[:-1] in ("weight", "delay") else name
                for name in names]

    def _get_attributes_as_list(self, names):
        names = self._native_names(names)
        arrays = self._arrays(*[n for n in names if n not in
                                ("presynaptic_index", "postsynaptic_index")])
        columns = [arrays[n].tolist() for n in names]
        return list(zip(*columns))

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        names = self._native_names(names)
        arrays = self._arrays(*names)
        n_pre, n_post = self.pre.size, self.post.size
        linear = arrays["presynaptic_index"] * n_post + arrays["postsynaptic_index"]
        result = []
        for name in names:
            values = arrays[name]
            out = np.full(n_pre * n_post, np.nan)
            if multiple_synapses == "sum":
                present = np.bincount(linear, minlength=n_pre * n_post) > 0
                sums = np.bincount(linear, weights=values, minlength=n_pre * n_post)
                out[present] = sums[present]
            elif multiple_synapses in ("first", "last"):
                order = np.arange(linear.size)
                if multiple_synapses == "last":
                    order = order[::-1]
                _, first = np.unique(linear[order], return_index=True)
                chosen = order[first]
                out[linear[chosen]] = values[chosen]
            else:
                reduce = np.minimum if multiple_synapses == "min" else np.maximum
                fill = np.inf if multiple_synapses == "min" else -np.inf
                acc = np.full(n_pre * n_post, fill)
                reduce.at(acc, linear, values)
                present = np.bincount(linear, minlength=n_pre * n_post) > 0
                out[present] = acc[present]
            result.append(out.reshape(n_pre, n_post))
        return result

    # -- writing -------------------------------------------------------------

    def _set_attributes(self, parameter_space):
        arrays = self._arrays()
        pre, post = arrays["presynaptic_index"], arrays["postsynaptic_index"]
        for name, lazy in parameter_space.items():
            if lazy.is_homogeneous:
                values = np.full(pre.size, float(lazy.evaluate(simplify=True)))
            else:
                values = np.asarray(lazy.evaluate(), dtype=np.float64)[pre, post]
            if name == "weight" and values.size:
                check_weights(values, self)
            self._write(name, values)

    def _set_one(self, k, name, value):
        values = np.full(len(self), np.nan)
        values[k] = value
        self._write(name, values)

    def _write(self, name, values):
        """Writes one value per connection (NaN: unchanged), in the order of
        _arrays()."""
        start = 0
        for h, n in self._arrays()["_order"]:
            self._kernel_call(simulator.state.kernel.proj_set, h, name,
                              np.ascontiguousarray(values[start:start + n]))
            start += n
        self._cache = None

    def initialize(self, **initial_values):
        """Sets initial values of synaptic state variables (e.g. u of
        TsodyksMarkramSynapse): a value, a distribution, one value per
        connection (in the order of get(format='list')) or a matrix like
        get(format='array').  (PyNN's common.Projection.initialize gives the
        values the shape (self.size,), with the method size, which fails for
        arrays.)"""
        for variable, value in initial_values.items():
            initial_value = LazyArray(value, dtype=float)
            self._set_initial_value_array(variable, initial_value)
            self.initial_values[variable] = initial_value

    def _set_initial_value_array(self, variable, value):
        """Initial values of a synaptic state variable (e.g. u of
        TsodyksMarkramSynapse), one per connection in the order of get()."""
        if variable not in getattr(self.synapse_type, "default_initial_values", {}):
            raise errors.NonExistentParameterError(
                variable, type(self.synapse_type).__name__,
                list(getattr(self.synapse_type, "default_initial_values", {})))
        n = len(self)
        if hasattr(value, "evaluate"):
            # initialize() leaves the shape to be set here
            if np.ndim(value.base_value) == 2:    # a matrix like get(format='array')
                value.shape = self.shape
                arrays = self._arrays()
                values = np.asarray(value.evaluate(simplify=False), dtype=np.float64)[
                    arrays["presynaptic_index"], arrays["postsynaptic_index"]]
            else:                                 # a value, a distribution or one per connection
                value.shape = (n,)
                values = value.evaluate(simplify=True)
        else:
            values = value
        values = np.asarray(values, dtype=np.float64)
        if values.ndim > 0 and values.size != n:
            raise ValueError("%d initial values of %s for %d connections"
                             % (values.size, variable, n))
        self._write(variable, np.broadcast_to(values, (n,)).copy())

    @staticmethod
    def _kernel_call(fn, *args):
        try:
            return fn(*args)
        except _core.KernelError as err:
            kind = errors.ConnectionError if err.args[0] in ("RV_ERR_VALUE", "RV_ERR_INDEX") \
                else None
            raise simulator.translate_error(err, kind)

