"""
Bulk construction of PyNN connections, identical to PyNN's generic algorithm.

PyNN's connectors call ``projection._convergent_connect()`` once per
post-synaptic cell and evaluate lazy arrays column by column. `plan()` builds
the same connections with a handful of vectorised numpy calls per connector.

Exactness guarantee
-------------------
For every connector it accepts, `plan()` returns exactly the presynaptic
indices, postsynaptic indices and parameter values, in exactly the order,
that PyNN 0.13's generic path passes to ``_convergent_connect``, and leaves
every RNG the user can see in the state the generic path leaves it in. It
returns None, before drawing anything, for whatever it cannot reproduce
exactly; the caller then runs ``connector.connect()``. Exactness rests on
these properties of PyNN 0.13 and of numpy's legacy ``RandomState``:

Order of draws.
    ``MapConnector._standard_connect`` visits post-synaptic cells (columns)
    in ascending order. A column without connections is skipped and consumes
    no parameter draws. For a connected column it evaluates the connection map
    column, then each parameter of ``synapse_type.native_parameters`` in
    order, drawing as many values as the column has connections.
    FixedNumberPre draws all the per-column counts ``n`` at once before
    drawing the sources column by column. FixedNumberPost and
    FixedTotalNumber make all their draws in ``connect()``, before the
    parameters are set up.

Which RNG objects advance.
    Lazy-array arithmetic (``random_map < p``) and
    ``StandardSynapseType.native_parameters`` deep-copy their
    RandomDistributions, and ``NumpyRNG.__deepcopy__`` copies the underlying
    RandomState. So the connection-map draws of the probability connectors and
    all parameter draws consume private copies, taken when PyNN takes them,
    and never advance the user's RNG, even when the weights name the
    connector's RNG. FromListConnector deep-copies the parameter space for
    every target, so each target draws the first values of the same stream.
    Only the fixed-number connectors advance user RNGs (``connector.rng`` and
    ``n.rng``). `plan()` takes its copies at the same points.

Chunk invariance.
    For every legacy RandomState distribution except ``normal_clipped``,
    drawing k values and then m values gives the same numbers, and the same
    final state, as drawing k + m values at once: each value consumes the bit
    stream on its own, and the Gaussian cache lives in the state. So the
    per-column draws of one consumer can be made in one call, as long as no
    two consumers share a RandomState (checked). ``normal_clipped`` redraws
    out-of-range values within each call: it is drawn in C, column by column
    from the column sizes, by ranvier.numpy_rng (which also draws ``normal``
    there, so that independent streams are drawn in parallel threads).

Bounded integers.
    For ``high <= 2**32``, ``RandomState.randint(0, high)`` takes 32-bit
    MT19937 words and returns the first masked word ``w & mask <= high - 1``
    (``mask`` is the smallest ``2**k - 1 >= high - 1``); ``high == 1``
    consumes nothing. ``RandomState.choice(a, size=1)`` is
    ``randint(0, len(a), size=1)``. FixedTotalNumber's alternating
    per-connection draws are made so in C (ranvier.numpy_rng), from the
    RandomState's state, which is then written back.

The C streams (python/ranvier/numpy_stream.c) are numpy's legacy
algorithms, operation for operation; tests/python/test_numpy_rng.py
compares them with numpy bit for bit, and tests/python/test_fastconnect.py
every handler with PyNN's generic path.

Draws that depend on values drawn just before them in the same stream
(rejection of self-connections, sampling without replacement) are made with
PyNN's own calls, one per cell: exact by construction, and still cheaper
than the generic path, which adds lazy-array work per column.

Only numpy, PyNN and ranvier.numpy_rng (which needs only numpy) are
imported, so the module can be loaded on its own, e.g. over pyNN.mock.
"""

from copy import copy, deepcopy
import numbers

import numpy as np

from pyNN import connectors, random as pynn_random
from pyNN.common.populations import Assembly
from pyNN.core import IndexBasedExpression
from pyNN.parameters import LazyArray, larray   # larray: lazyarray's base class
from pyNN.random import NumpyRNG, RandomDistribution, WrappedRNG
from pyNN.space import Space
from pyNN.standardmodels import StandardSynapseType
from pyNN.standardmodels.base import check_weights
from ranvier import numpy_rng

# Connection-map values or distances computed at once (bounds memory use).
_BLOCK = 2 ** 20
# The error WrappedRNG._clipped raises after MAX_REDRAWS redraw rounds.
_REDRAWS_MESSAGE = ("Maximum number of redraws exceeded. "
                    "Check the parameterization of your distribution.")


class ConnectionPlan:
    """Connections in the order PyNN would create them.

    `pre`, `post`: uint32 arrays of indices into ``projection.pre`` and
    ``projection.post`` (what the kernel takes: half the memory of int64,
    for projections of up to 10**8 synapses). `params`: native parameter
    name -> float (same value for every connection) or float64 array
    aligned with `pre`.
    """
    __slots__ = ("pre", "post", "params")

    def __init__(self, pre, post, params):
        self.pre = np.asarray(pre, dtype=np.uint32)
        self.post = np.asarray(post, dtype=np.uint32)
        self.params = params

    def __len__(self):
        return self.pre.size


def plan(projection, connector):
    """Return a ConnectionPlan or None.

    None means "not handled here": the caller then uses PyNN's generic path.
    """
    handler = _handler(type(connector))
    if handler is None or not _plain_projection(projection, connector):
        return None
    return handler(projection, connector)


def _handler(cls):
    """The handler of the nearest known base class, if `cls` keeps its connect()."""
    for base in cls.__mro__:
        if base in _HANDLERS:
            # e.g. FromFileConnector reads its file in its own connect()
            return _HANDLERS[base] if cls.connect is base.connect else None
    return None


def _plain_projection(projection, connector):
    """The setting every handler assumes: non-empty, standard synapses.
    Under MPI a plan makes every connection, as on one process, and the
    kernel keeps those onto this process's cells: PyNN's own algorithm
    makes the same ones there, drawing for every cell with a parallel-safe
    NumpyRNG (the default) and keeping the local ones."""
    rng = getattr(connector, "rng", None)
    return ((projection._simulator.state.num_processes == 1
             or getattr(rng, "parallel_safe", True))
            and projection.pre.size > 0 and projection.post.size > 0
            and max(projection.shape) <= 2 ** 32   # indices fit uint32
            and isinstance(projection.synapse_type, StandardSynapseType)
            and getattr(connector, "location_selector", None) is None
            # a connector's own RNG, where it has one, must be a NumpyRNG
            and isinstance(getattr(connector, "rng", None), (NumpyRNG, type(None))))


# --- map connectors without random connectivity --------------------------------------------


def _all_to_all(projection, connector):
    P, Q = projection.shape
    pre = np.tile(np.arange(P), Q)
    col = np.repeat(np.arange(Q), P)
    if not connector.allow_self_connections:
        keep = _ids(projection.pre)[pre] != _ids(projection.post)[col]
        pre, col = pre[keep], col[keep]
    return _map_plan(projection, connector, pre, col)


def _one_to_one(projection, connector):
    P, Q = projection.shape
    if P == 1:
        # PyNN evaluates the 1-row map column to a numpy scalar, which it
        # then fails to nonzero(); leave that error to the generic path.
        return None
    index = np.arange(min(P, Q))
    return _map_plan(projection, connector, index, index)


def _array(projection, connector):
    return _boolean_matrix_plan(projection, connector, np.asarray(connector.array))


def _clone(projection, connector):
    reference = connector.reference_projection
    if projection.pre != reference.pre or projection.post != reference.post:
        return None   # PyNN raises ConnectionError
    weights = reference.get(['weight'], 'array', gather='all')[0]
    return _boolean_matrix_plan(projection, connector, ~np.isnan(weights))


def _boolean_matrix_plan(projection, connector, matrix):
    # A non-boolean matrix would be used by PyNN as lists of indices: not handled.
    if matrix.dtype != bool or matrix.shape != projection.shape:
        return None
    col, pre = np.nonzero(matrix.T)   # column-major, as by_column() visits it
    return _map_plan(projection, connector, pre, col)


def _map_plan(projection, connector, pre, col):
    distance_map = connector._generate_distance_map(projection)
    parameter_space = _parameter_space(projection, connector, distance_map)
    if parameter_space is None:
        return None
    return _finish(projection, connector, pre, col, parameter_space, distance_map)


# --- map connectors with random connectivity ----------------------------------------------


def _fixed_probability(projection, connector):
    return _random_map_plan(projection, connector, lambda distance_map: connector.p_connect)


def _distance_dependent_probability(projection, connector):
    return _random_map_plan(projection, connector, connector.distance_function)


def _index_based_probability(projection, connector):
    def probability_map(distance_map):
        # copied, as in PyNN, so that the connector is not altered
        expression = copy(connector.index_expression)
        expression.projection = projection
        return LazyArray(expression, projection.shape)
    return _random_map_plan(projection, connector, probability_map)


def _random_map_plan(projection, connector, make_probability):
    """Connect where a uniform draw is below a probability (number or lazy array)."""
    if connector.allow_self_connections == 'NoMutual':
        return None
    distance_map = connector._generate_distance_map(projection)
    probability = make_probability(distance_map)
    parameter_space = _parameter_space(projection, connector, distance_map)
    if parameter_space is None or not _lazy_supported(probability, projection, distance_map):
        return None
    # PyNN's `random_map < p` deep-copies the random distribution and with it
    # connector.rng: the connections are drawn from a copy of its state.
    uniform = RandomDistribution('uniform', (0, 1), rng=deepcopy(connector.rng))
    pre, col = _random_map_connections(projection, uniform, probability, distance_map,
                                       exclude_self=not connector.allow_self_connections)
    return _finish(projection, connector, pre, col, parameter_space, distance_map)


def _random_map_connections(projection, uniform, probability, distance_map, exclude_self):
    P, Q = projection.shape
    pre_ids, post_ids = _ids(projection.pre), _ids(projection.post)
    width = max(1, _BLOCK // P)
    pres, cols = [], []
    for start in range(0, Q, width):
        block = np.arange(start, min(start + width, Q))
        # by_column() draws a full column of P uniforms per post-synaptic
        # cell, in column order: row k of `u` is column block[k].
        u = uniform.next(block.size * P).reshape(block.size, P)
        threshold = probability
        if isinstance(probability, larray):
            pairs = _Pairs(projection, np.tile(np.arange(P), block.size), np.repeat(block, P),
                           distance_map)
            threshold = _evaluate(probability, pairs, {})
            if np.ndim(threshold):
                threshold = threshold.reshape(block.size, P)
        connected = u < threshold
        if exclude_self:
            connected &= pre_ids[np.newaxis, :] != post_ids[block][:, np.newaxis]
        k, pre = np.nonzero(connected)
        pres.append(pre)
        cols.append(block[k])
    return np.concatenate(pres), np.concatenate(cols)


# --- fixed-number connectors ---------------------------------------------------------------


def _fixed_number_pre(projection, connector):
    rng = connector.rng
    exclude_self = not (connector.allow_self_connections or projection.pre != projection.post)
    if exclude_self and not _iterates_all_columns(projection, connector):
        return None   # PyNN raises NotImplementedError for this combination
    # _standard_connect copies the parameters' RNGs before the first draw.
    distance_map = connector._generate_distance_map(projection)
    parameter_space = _parameter_space(projection, connector, distance_map, busy_rng=rng)
    if parameter_space is None:
        return None
    P, Q = projection.shape
    counts = _draw_counts(connector.n, Q)
    if connector.with_replacement and not exclude_self:
        pre = _uniform_ints(rng, counts.sum(), P)
    else:
        # how much of the stream a column consumes depends on what it draws
        # (rejections, shuffles), so draw column by column with PyNN's calls
        all_cells = np.arange(P)
        columns = []
        for i, n in enumerate(counts):
            if connector.with_replacement:
                columns.append(connector._rng_uniform_int_exclude(n, P, i))
            else:
                cells = all_cells[all_cells != i] if exclude_self else all_cells
                columns.append(_sample_without_replacement(rng, n, cells))
        pre = np.concatenate(columns).astype(np.int64)
    col = np.repeat(np.arange(Q), counts)
    return _finish(projection, connector, pre, col, parameter_space, distance_map)


def _fixed_number_post(projection, connector):
    rng = connector.rng
    if not _iterates_all_columns(projection, connector):
        return None   # PyNN's masked branch builds np.array() from ragged lists
    distance_map = connector._generate_distance_map(projection)
    # check on a throw-away copy: the real one must be taken after the draws
    if _parameter_space(projection, connector, distance_map) is None:
        return None
    P, Q = projection.shape
    exclude_self = not connector.allow_self_connections and projection.pre == projection.post
    if connector.with_replacement and not exclude_self and _independent_counts(connector):
        counts = _draw_counts(connector.n, P)
        targets = _uniform_ints(rng, counts.sum(), Q)
    else:
        counts, targets = _fixed_number_post_rows(projection, connector, exclude_self)
    sources = np.repeat(np.arange(P), counts)
    # PyNN appends each source to its targets' lists: group by target, stably
    order = np.argsort(targets, kind='stable')
    parameter_space = _parameter_space(projection, connector, distance_map)
    return _finish(projection, connector, sources[order], targets[order], parameter_space,
                   distance_map)


def _fixed_number_post_rows(projection, connector, exclude_self):
    """Per-presynaptic-cell draws, made exactly as FixedNumberPostConnector makes them."""
    Q = projection.post.size
    all_cells = np.arange(Q)
    counts, targets = [], []
    for source in range(projection.pre.size):
        n = connector._get_num_post()
        if connector.with_replacement and exclude_self:
            chosen = connector._rng_uniform_int_exclude(n, Q, source)
        elif connector.with_replacement:
            chosen = connector.rng.next(n, 'uniform_int', {"low": 0, "high": Q}, mask=None)
        else:
            cells = all_cells[all_cells != source] if exclude_self else all_cells
            chosen = _sample_without_replacement(connector.rng, n, cells)
        counts.append(chosen.size)
        targets.append(chosen)
    return np.array(counts, dtype=np.int64), np.concatenate(targets).astype(np.int64)


def _independent_counts(connector):
    """Can the per-row `n` draws be made in one call, ahead of the target draws?"""
    n = connector.n
    return isinstance(n, int) or (isinstance(n.rng, NumpyRNG)
                                  and n.rng.rng is not connector.rng.rng
                                  and _chunk_invariant(n))


def _fixed_total_number(projection, connector):
    rng = connector.rng
    P, Q = projection.shape
    if not isinstance(connector.n, int) or not _plain_numpy_rng(rng):
        return None
    distance_map = connector._generate_distance_map(projection)
    parameter_space = _parameter_space(projection, connector, distance_map)
    if parameter_space is None or not _iterates_all_columns(projection, connector):
        return None   # (PyNN's masked branch builds np.array() from ragged lists)
    # PyNN's binomial split of n over the processes, for a single process
    n_connections = RandomDistribution('binomial', n=connector.n, p=1.0, rng=rng).next()
    # per connection: rng.next(1, 'uniform_int', pre) then rng.choice(post, 1);
    # PyNN appends each source to its target's list: grouped by target, stably
    pre, post, counts = numpy_rng.pairs_by_target(rng.rng, int(n_connections), P, Q)
    if _draws_from(projection.synapse_type, rng):
        # PyNN copies the parameters' RNGs after the draws above: so must we
        parameter_space = _parameter_space(projection, connector, distance_map)
    return _finish(projection, connector, pre, post, parameter_space, distance_map, counts)


def _plain_numpy_rng(rng):
    """Is `rng` a NumpyRNG over a legacy MT19937 RandomState, with PyNN's own methods?

    (What the C streams of ranvier.numpy_rng reproduce; a subclass may draw
    differently.)
    """
    cls = type(rng)
    return (isinstance(rng, NumpyRNG)
            and cls.next is WrappedRNG.next and cls._next is NumpyRNG._next
            and cls._clipped is WrappedRNG._clipped
            and cls.normal_clipped is NumpyRNG.normal_clipped
            and not hasattr(cls, "choice") and not hasattr(cls, "normal")
            and numpy_rng.is_supported(rng.rng))


def _draws_from(synapse_type, rng):
    """Does a parameter of `synapse_type` draw from the RandomState of `rng`?"""
    return any(isinstance(node.base_value, RandomDistribution)
               and getattr(node.base_value.rng, "rng", None) is rng.rng
               for _, value in synapse_type.parameter_space.items()
               if isinstance(value, larray)
               for node in _nodes(value))


def _draw_counts(n, size):
    """Number of connections per cell: FixedNumberPreConnector._get_num_pre() as an array."""
    if isinstance(n, int):
        return np.full(size, n, dtype=np.int64)
    counts = n.next(size)
    if not np.issubdtype(counts.dtype, np.integer):
        raise TypeError("the number of connections must be drawn from an integer distribution")
    if (counts < 0).any():
        raise ValueError("The sample number must be positive")
    return counts


def _uniform_ints(rng, n, high):
    """n consecutive rng.next(k, 'uniform_int') draws, in one call."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    return rng.next(n, 'uniform_int', {"low": 0, "high": high}, mask=None)


def _sample_without_replacement(rng, n, cells):
    """All `cells` n // len(cells) times, then the first n % len(cells) of a permutation."""
    sets = [cells] * (n // cells.size)
    remainder = n % cells.size
    if remainder > 0:
        sets.append(rng.permutation(cells)[:remainder])
    return np.hstack(sets)


# --- FromListConnector ---------------------------------------------------------------------


def _from_list(projection, connector):
    synapse_type = projection.synapse_type
    if any(name not in synapse_type.get_parameter_names() for name in connector.column_names):
        return None   # PyNN raises ValueError
    conn_list = connector.conn_list
    if conn_list.size == 0:
        return ConnectionPlan([], [], {})
    if np.any(conn_list[:, 0] >= projection.pre.size):
        return None   # PyNN raises ConnectionError
    # the same numpy calls as FromListConnector.connect, so ties sort alike
    idx = np.argsort(conn_list[:, 1])
    targets = np.unique(conn_list[:, 1]).astype(int)
    local = np.isin(targets, np.arange(projection.post.size)[projection.post._mask_local],
                    assume_unique=True)
    local_targets = targets[local]
    conn_list = conn_list[idx]
    left = np.searchsorted(conn_list[:, 1], local_targets, 'left')
    right = np.searchsorted(conn_list[:, 1], local_targets, 'right')
    counts = right - left
    first = np.cumsum(counts) - counts               # first output row of each target
    within = np.arange(counts.sum()) - np.repeat(first, counts)
    entries = conn_list[np.repeat(left, counts) + within]
    if entries.size == 0:
        params = {}   # like PyNN, which never evaluates the parameters then
    else:
        params = _from_list_parameters(synapse_type, connector.column_names, entries, within,
                                       counts)
    if params is None:
        return None
    connector.conn_list = conn_list   # PyNN leaves the list sorted by target
    return ConnectionPlan(entries[:, 0].astype(int), np.repeat(local_targets, counts), params)


def _from_list_parameters(synapse_type, column_names, entries, within, counts):
    """Parameter values as FromListConnector computes them for each target, in bulk."""
    n = entries.shape[0]
    # PyNN deep-copies the parameter space (and its RNGs) for every target
    parameter_space = deepcopy(synapse_type.parameter_space)
    parameter_space.shape = (n,)
    for name, value in list(parameter_space.items()):
        if name in column_names or value.is_homogeneous:
            continue
        rd = value.base_value
        if not (isinstance(rd, RandomDistribution) and not value.operations
                and isinstance(rd.rng, NumpyRNG)):
            return None
        # each target draws from a fresh copy of the same RNG state, so it
        # gets the first values of one and the same stream
        if _chunk_invariant(rd):
            parameter_space[name] = rd.next(counts.max())[within]
        else:
            values = _first_draws_by_count(rd, counts, within)
            if values is None:
                return None
            parameter_space[name] = values
    parameter_space.update(**{name: entries[:, col] for col, name in enumerate(column_names, 2)})
    native = synapse_type.translate(parameter_space)
    native.evaluate(simplify=True)
    return {name: _as_values(value) for name, value in native.items()}


def _first_draws_by_count(rd, counts, within):
    """normal_clipped values of targets that draw counts[t] values each, all
    from fresh copies of rd's RNG, in C; None if that can't be done exactly.

    Redraws make a target's values depend on how many it draws, so they are
    drawn once per distinct count.
    """
    spec = _c_spec(rd)
    if spec is None:
        return None
    entry_counts = np.repeat(counts, counts)
    values = np.empty(entry_counts.size)
    for m in np.unique(counts):
        drawn, failures = numpy_rng.normal_columns([(deepcopy(rd.rng.rng),) + spec], [m])
        if failures:
            return None   # PyNN raises; its path does, and nothing visible was drawn
        chosen = entry_counts == m
        values[chosen] = drawn[0][within[chosen]]
    return values


# --- parameters ----------------------------------------------------------------------------


class _Pairs:
    """(presynaptic index, column) pairs at which lazy arrays are evaluated.

    The columns are sorted; `counts` (optional) the number of pairs of each
    column 0, 1, ... (as np.bincount(col) gives it).
    """

    def __init__(self, projection, pre, col, distance_map, counts=None):
        self.projection = projection
        self.pre = pre
        self.col = col
        self.size = pre.size
        self.distance_map = distance_map
        self.distance_function = distance_map.base_value
        self._counts = counts

    @property
    def counts(self):
        if self._counts is None:
            self._counts = np.bincount(self.col) if self.size else np.zeros(0, np.int64)
        return self._counts

    def column_bounds(self):
        """(start, stop) of each non-empty column's run, in column order."""
        stops = np.cumsum(self.counts)
        starts = stops - self.counts
        nonempty = self.counts > 0
        return zip(starts[nonempty], stops[nonempty])

    def before(self, column):
        """The pairs of the columns before `column`."""
        counts = self.counts[:column]
        stop = int(counts.sum())
        return _Pairs(self.projection, self.pre[:stop], self.col[:stop], self.distance_map,
                      counts)

    def only(self, column):
        """The pairs of column `column`."""
        start = int(self.counts[:column].sum())
        stop = start + int(self.counts[column])
        counts = np.zeros(column + 1, np.int64)
        counts[column] = stop - start
        return _Pairs(self.projection, self.pre[start:stop], self.col[start:stop],
                      self.distance_map, counts)

    def distances(self):
        # in blocks, to bound the memory taken by the positions
        return np.concatenate([self._distances(self.pre[i:i + _BLOCK], self.col[i:i + _BLOCK])
                               for i in range(0, self.size, _BLOCK)])

    def _distances(self, pre, col):
        """Space.distances() for each pair, with the same floating-point operations."""
        space = self.projection.space
        A = self.projection.pre.position_generator(pre)
        B = self.projection.post.position_generator(col)
        B = space.scale_factor * (B + space.offset)
        d = np.zeros((len(space.axes), pre.size), dtype=A.dtype)
        for i, axis in enumerate(space.axes):
            diff2 = A[:, axis] - B[:, axis]
            if space.periodic_boundaries is not None:
                boundaries = space.periodic_boundaries[axis]
                if boundaries is not None:
                    range_ = boundaries[1] - boundaries[0]
                    ad2 = abs(diff2)
                    diff2 = np.minimum(ad2, range_ - ad2)
            diff2 **= 2
            d[i] = diff2
        d = np.sum(d, 0)
        np.sqrt(d, d)
        return d


def _parameter_space(projection, connector, distance_map, busy_rng=None):
    """The connector's parameter lazy arrays, or None if they can't be evaluated in bulk.

    `busy_rng`: an RNG the connector draws from column by column, which no
    parameter may share.
    """
    parameter_space = connector._parameters_from_synapse_type(projection, distance_map)
    streams = [] if busy_rng is None else [busy_rng.rng]
    for _, value in parameter_space.items():
        if not isinstance(value, LazyArray):
            return None
        if value.is_homogeneous:
            if not isinstance(value.evaluate(simplify=True), numbers.Real):
                return None
            continue
        if not _lazy_supported(value, projection, distance_map):
            return None
        streams.extend(node.base_value.rng.rng for node in _nodes(value)
                       if isinstance(node.base_value, RandomDistribution))
    if len({id(stream) for stream in streams}) < len(streams):
        return None   # draws would interleave column by column
    return parameter_space


def _lazy_supported(value, projection, distance_map):
    """Can `_evaluate` reproduce this (number or lazy array) exactly?"""
    if not isinstance(value, larray):
        return isinstance(value, numbers.Real)
    for node in _nodes(value):
        base = node.base_value
        if isinstance(base, RandomDistribution):
            ok = (isinstance(base.rng, NumpyRNG)
                  and all(isinstance(p, numbers.Real) for p in base.parameters.values()))
        elif isinstance(base, np.ndarray):
            ok = base.shape == projection.shape
        elif base is distance_map.base_value:
            # Assembly.position_generator returns transposed positions
            ok = (type(projection.space) is Space
                  and not isinstance(projection.pre, Assembly)
                  and not isinstance(projection.post, Assembly))
        else:
            ok = isinstance(base, (IndexBasedExpression, numbers.Real))
        if not ok or not all(arg is None or isinstance(arg, (larray, numbers.Real))
                             for _, arg in node.operations):
            return False
    return True


def _nodes(value):
    """A lazy array and, recursively, the lazy arrays among its operands."""
    yield value
    for _, arg in value.operations:
        if isinstance(arg, larray):
            yield from _nodes(arg)


def _evaluate(value, pairs, drawn):
    """What larr[source_mask, col] gives, column after column, for all pairs at once.

    `drawn`: id(RandomDistribution) -> the values drawn for it in C for the
    pairs (or for a longer run of pairs that they begin).
    """
    base = value.base_value
    if value.is_homogeneous or isinstance(base, (int, np.integer, float, bool)):
        x = np.ones(pairs.size, type(base)) * base
    elif isinstance(base, np.ndarray):
        x = base[pairs.pre, pairs.col]
    elif isinstance(base, RandomDistribution):
        # (popped: each distribution is evaluated once, and its memory is freed sooner)
        x = drawn.pop(id(base))[:pairs.size] if id(base) in drawn else _draw(base, pairs)
    elif base is pairs.distance_function:
        x = pairs.distances()
    else:   # IndexBasedExpression, called with index arrays (int64, as PyNN's)
        x = base(pairs.pre.astype(np.int64, copy=False), pairs.col.astype(np.int64, copy=False))
    for f, arg in value.operations:
        if arg is None:
            x = f(x)
        elif isinstance(arg, larray):
            x = f(x, _evaluate(arg, pairs, drawn))
        else:
            x = f(x, arg)
    return x


def _draw(rd, pairs):
    if _chunk_invariant(rd):
        return rd.next(pairs.size)
    # out-of-range values are redrawn within each per-column call (an RNG
    # that the C streams don't reproduce: PyNN's calls, column by column)
    return np.concatenate([rd.next(stop - start) for start, stop in pairs.column_bounds()])


def _chunk_invariant(rd):
    return rd.name != 'normal_clipped'


def _c_spec(rd):
    """(loc, scale, clip, max_redraws) of numpy_rng.normal_columns() for a
    'normal' or 'normal_clipped' RandomDistribution that it draws exactly as
    PyNN does, else None."""
    cls = type(rd)
    if not (cls.next is RandomDistribution.next
            and cls.lazily_evaluate is RandomDistribution.lazily_evaluate
            and _plain_numpy_rng(rd.rng)):
        return None
    p = rd.parameters
    # NumpyRNG._next requires exactly these names (else KeyError: PyNN's path)
    if rd.name == 'normal' and set(p) == {'mu', 'sigma'}:
        clip = None
    elif rd.name == 'normal_clipped' and set(p) == {'mu', 'sigma', 'low', 'high'}:
        clip = (p['low'], p['high'])
    else:
        return None
    if not all(isinstance(v, numbers.Real) for v in p.values()):
        return None
    return (p['mu'], p['sigma'], clip, pynn_random.MAX_REDRAWS)


def _draw_in_c(parameter_space, pairs, threads):
    """Every normal / normal_clipped draw of the parameters that ranvier.numpy_rng
    reproduces, in one call, the streams (distinct: see _parameter_space) in
    parallel threads.

    Returns (drawn, failure): id(rd) -> values, and None or the failure PyNN
    meets first, (column, (parameter order, node order), error).
    """
    draws, keys = [], []
    for order, (_, value) in enumerate(parameter_space.items()):
        if value.is_homogeneous:
            continue
        for node_order, node in enumerate(_nodes(value)):
            rd = node.base_value
            spec = _c_spec(rd) if isinstance(rd, RandomDistribution) else None
            if spec is not None:
                draws.append((rd.rng.rng,) + spec)
                keys.append((id(rd), (order, node_order)))
    if not draws or pairs.size == 0:
        return {}, None
    values, failures = numpy_rng.normal_columns(draws, pairs.counts, threads)
    drawn = {key: v for (key, _), v in zip(keys, values)}
    failure = None
    for column, index, status in failures:
        error = (Exception(_REDRAWS_MESSAGE) if status == numpy_rng.REDRAWS_EXCEEDED
                 else ValueError("scale < 0"))
        candidate = (column, keys[index][1], error)
        if failure is None or candidate[:2] < failure[:2]:
            failure = candidate
    return drawn, failure


def _raise_first_error(projection, connector, parameter_space, pairs, drawn, failure):
    """Raise the error PyNN raises when a C draw fails (`failure`, see _draw_in_c).

    PyNN goes column by column: it raises an earlier column's error first
    (a parameter check, or a draw: numpy rejects bad parameters at a
    distribution's first column), and in the failing column a draw of an
    earlier parameter.
    """
    column, (order, _), error = failure
    before = pairs.before(column)
    if before.size:
        params = {name: _as_values(_evaluate(value, before, drawn))
                  for name, value in parameter_space.items() if not value.is_homogeneous}
        if connector.safe:
            homogeneous = {name: float(value.evaluate(simplify=True))
                           for name, value in parameter_space.items() if value.is_homogeneous}
            _check_parameters(projection, dict(params, **homogeneous), before)
    else:
        # the first connected column: the parameters before this one draw first
        first = pairs.only(column)
        for _, value in list(parameter_space.items())[:order]:
            if not value.is_homogeneous:
                _evaluate(value, first, drawn)
    raise error


def _finish(projection, connector, pre, col, parameter_space, distance_map, counts=None):
    """The plan: parameter values for the (pre, col) pairs, checked as PyNN checks them.

    `counts`: connections per column, if the caller has them.
    """
    pairs = _Pairs(projection, pre, col, distance_map, counts)
    threads = getattr(projection._simulator.state, "threads", 1)
    drawn, failure = _draw_in_c(parameter_space, pairs, threads)
    if failure is not None:
        _raise_first_error(projection, connector, parameter_space, pairs, drawn, failure)
    params = {}
    for name, value in parameter_space.items():
        if value.is_homogeneous:
            params[name] = float(value.evaluate(simplify=True))
        elif pairs.size == 0:
            params[name] = np.empty(0)
        else:
            params[name] = _as_values(_evaluate(value, pairs, drawn))
    del drawn
    if connector.safe and pairs.size:
        _check_parameters(projection, params, pairs)
    post_index = projection.post.id_to_index(projection.post.all_cells)
    if not np.array_equal(post_index, np.arange(post_index.size)):
        col = post_index[col]
    return ConnectionPlan(pre, col, params)


def _as_values(value):
    if np.ndim(value) == 0:
        return float(value)
    return np.asarray(value, dtype=float)


def _check_parameters(projection, params, pairs):
    """Run synapse_type.parameter_checks; raise the error PyNN would raise first.

    PyNN runs every check on each connected column in turn, so its error is
    that of the first failing column, and of the first failing check there.
    """
    synapse_type = projection.synapse_type
    columns = list(pairs.column_bounds())
    failures = []
    for order, (parameter_name, check) in enumerate(synapse_type.parameter_checks.items()):
        name = synapse_type.translations[parameter_name]["translated_name"]
        if name not in params:
            continue
        values = params[name]
        if np.ndim(values) == 0:
            # PyNN passes this same value for every column
            candidates = [(0, values)]
        else:
            indices = (_sign_representatives(values, columns) if check is check_weights
                       else range(len(columns)))
            candidates = [(i, values[slice(*columns[i])]) for i in indices]
        for column, column_values in candidates:
            try:
                check(column_values, projection)
            except Exception as error:
                failures.append((column, order, error))
                break
    if failures:
        raise min(failures, key=lambda failure: failure[:2])[2]


def _sign_representatives(weights, columns):
    """Index of the first column of each (all <= 0, all >= 0) kind, in column order.

    check_weights depends on a column only through these two flags, so
    checking one column of each kind finds the first column it rejects.
    """
    starts = np.array([start for start, _ in columns])
    kinds = ((np.maximum.reduceat(weights, starts) <= 0) * 2
             + (np.minimum.reduceat(weights, starts) >= 0))
    _, first = np.unique(kinds, return_index=True)
    return sorted(first)


# --- helpers -------------------------------------------------------------------------------


def _ids(population):
    return np.asarray(population.all_cells, dtype=np.int64)


def _iterates_all_columns(projection, connector):
    """The branch condition of MapConnector._standard_connect.

    (The connector's flag first: native_parameters deep-copies every RNG.)
    """
    return (connector.rng.parallel_safe
            or projection.synapse_type.native_parameters.parallel_safe)


_HANDLERS = {
    connectors.AllToAllConnector: _all_to_all,
    connectors.OneToOneConnector: _one_to_one,
    connectors.ArrayConnector: _array,
    connectors.CloneConnector: _clone,
    connectors.FixedProbabilityConnector: _fixed_probability,
    connectors.DistanceDependentProbabilityConnector: _distance_dependent_probability,
    connectors.IndexBasedProbabilityConnector: _index_based_probability,
    connectors.DisplacementDependentProbabilityConnector: _index_based_probability,
    connectors.FixedNumberPreConnector: _fixed_number_pre,
    connectors.FixedNumberPostConnector: _fixed_number_post,
    connectors.FixedTotalNumberConnector: _fixed_total_number,
    connectors.FromListConnector: _from_list,
}
