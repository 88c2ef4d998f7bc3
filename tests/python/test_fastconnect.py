"""
fastconnect.plan() against PyNN's own generic connection algorithm.

Every scenario is built twice from the same seeds: once connected by PyNN's
connector.connect() on a projection that records its _convergent_connect()
calls, once planned by fastconnect.plan(). The connections, the parameter
values and the final states of all user RNGs must be identical.
"""

from copy import deepcopy
import importlib.util
import pathlib
import re
import time

import numpy as np
import pytest

import pyNN.mock as sim
from pyNN import common, connectors as C, errors, random as pynn_random
from pyNN.core import IndexBasedExpression
from pyNN.parameters import LazyArray
from pyNN.random import NumpyRNG, RandomDistribution as RD
from pyNN.space import Grid2D, Line, Space
from pyNN.standardmodels import build_translations
from pyNN.standardmodels.base import check_weights

_PATH = pathlib.Path(__file__).resolve().parents[2] / "python/pyNN/ranvier/fastconnect.py"
_spec = importlib.util.spec_from_file_location("ranvier_fastconnect", _PATH)
fastconnect = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fastconnect)

sim.setup(timestep=0.1, min_delay=0.1)


class RecordingProjection(sim.Projection):
    """A mock Projection that keeps PyNN's _convergent_connect() arguments."""

    def __init__(self, *args, **kwargs):
        self.calls = []
        super().__init__(*args, **kwargs)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **params):
        self.calls.append((np.array(presynaptic_indices), int(postsynaptic_index),
                           {k: np.array(v) for k, v in params.items()}))

    def flattened(self):
        if not self.calls:
            return np.empty(0, int), np.empty(0, int), {}
        pre = np.concatenate([c[0] for c in self.calls]).astype(int)
        post = np.concatenate([np.full(c[0].size, c[1]) for c in self.calls])
        params = {name: np.concatenate([np.broadcast_to(c[2][name], c[0].shape)
                                        for c in self.calls])
                  for name in self.calls[0][2]}
        return pre, post, params


class UnconnectedProjection(RecordingProjection):
    """The same projection, set up without connecting (plan() does that)."""

    def __init__(self, pre, post, connector, synapse_type, **kwargs):
        self.calls = []
        common.Projection.__init__(self, pre, post, connector, synapse_type, **kwargs)


class ScaledSynapse(sim.TsodyksMarkramSynapse):
    """Native weights in other units, as a backend may translate them."""
    translations = build_translations(
        ('weight', 'WEIGHT', 1000.0),
        ('delay', 'DELAY'),
        ('U', 'UU'),
        ('tau_rec', 'TAU_REC'),
        ('tau_facil', 'TAU_FACIL'),
    )


def check_short_delays(delays, projection):
    if np.any(np.asarray(delays) > 1.5):
        raise errors.ConnectionError(f"Delay ({delays}) too long")


class CheckedSynapse(sim.StaticSynapse):
    """A synapse type with a second parameter check."""
    parameter_checks = {'weight': check_weights, 'delay': check_short_delays}


def rng_states(rngs):
    return [r.rng.get_state() for r in rngs]


def assert_same_states(a, b):
    for sa, sb in zip(a, b):
        assert sa[0] == sb[0] and sa[2:] == sb[2:]
        assert np.array_equal(sa[1], sb[1])


def compare(build, expect_error=False, timings=None, **projection_kwargs):
    """Run `build` twice (fresh seeds each time) and compare generic vs plan.

    `build()` returns (pre, post, connector, synapse_type, rngs) where `rngs`
    lists every RNG the user holds. Returns the plan. With `expect_error`,
    PyNN must raise, and plan() must raise the same error (then the error
    is returned); with expect_error None, either may happen. `timings`, a
    dict, receives the seconds taken by each path.
    """
    pre, post, connector, synapse, rngs = build()
    start = time.perf_counter()
    try:
        generic = RecordingProjection(pre, post, connector, synapse, **projection_kwargs)
    except Exception as error:
        if expect_error is False:
            raise
        g_states = rng_states(rngs)
        pre, post, connector, synapse, rngs = build()
        projection = UnconnectedProjection(pre, post, connector, synapse, **projection_kwargs)
        with pytest.raises(type(error), match=re.escape(str(error))) as raised:
            fastconnect.plan(projection, connector)
        assert type(raised.value) is type(error)
        assert_same_states(rng_states(rngs), g_states)
        return error
    assert expect_error is not True, "PyNN was expected to raise"
    generic_time = time.perf_counter() - start
    g_pre, g_post, g_params = generic.flattened()
    g_states = rng_states(rngs)

    pre, post, connector, synapse, rngs = build()
    projection = UnconnectedProjection(pre, post, connector, synapse, **projection_kwargs)
    start = time.perf_counter()
    p = fastconnect.plan(projection, connector)
    if timings is not None:
        timings.update(generic=generic_time, plan=time.perf_counter() - start)
    assert p is not None, "plan() declined a case it should handle"
    assert np.array_equal(p.pre, g_pre)
    assert np.array_equal(p.post, g_post)
    assert p.pre.dtype == p.post.dtype == np.uint32   # what kernel.proj_connect takes
    if g_pre.size:
        assert set(p.params) == set(g_params)
    for name, values in g_params.items():
        planned = np.broadcast_to(np.asarray(p.params[name], dtype=float), values.shape)
        assert np.array_equal(planned, values.astype(float)), name
    assert_same_states(rng_states(rngs), g_states)
    return p


def pops(n_pre=30, n_post=25, celltype=sim.IF_cond_exp, **kwargs):
    return sim.Population(n_pre, celltype(), **kwargs), sim.Population(n_post, celltype(), **kwargs)


def random_synapse(rng_w=None, rng_d=None, weight=('uniform', (0.1, 1.0)),
                   delay=('uniform', (0.2, 2.0))):
    return sim.StaticSynapse(weight=RD(*weight, rng=rng_w or NumpyRNG(11)),
                             delay=RD(*delay, rng=rng_d or NumpyRNG(12)))


# --- map connectors -----------------------------------------------------------------------


@pytest.mark.parametrize("allow_self", [True, False])
def test_all_to_all(allow_self):
    def build():
        p = sim.Population(20, sim.IF_cond_exp())
        rw, rd = NumpyRNG(1), NumpyRNG(2)
        return p, p, C.AllToAllConnector(allow_self_connections=allow_self), \
            random_synapse(rw, rd), [rw, rd]
    compare(build)


def test_all_to_all_views_exclude_self_by_id():
    def build():
        p = sim.Population(30, sim.IF_cond_exp())
        rw = NumpyRNG(3)
        return p[5:20], p[::2], C.AllToAllConnector(allow_self_connections=False), \
            sim.StaticSynapse(weight=RD('gamma', (2.0, 0.1), rng=rw), delay=0.5), [rw]
    compare(build)


def test_one_to_one_and_single_cell():
    def build():
        a, b = pops(12, 9)
        return a, b, C.OneToOneConnector(), random_synapse(), []
    compare(build)
    p = sim.Population(1, sim.IF_cond_exp())
    projection = UnconnectedProjection(p, p, C.OneToOneConnector(), sim.StaticSynapse())
    assert fastconnect.plan(projection, C.OneToOneConnector()) is None


def test_array_connector_with_2d_weights():
    def build():
        a, b = pops(15, 11)
        rng = np.random.RandomState(5)
        mask = rng.uniform(size=(15, 11)) < 0.3
        weights = rng.uniform(0.1, 1.0, size=(15, 11))
        return a, b, C.ArrayConnector(mask), sim.StaticSynapse(weight=weights, delay=0.3), []
    compare(build)


def test_array_connector_with_integer_matrix_is_declined():
    a, b = pops(4, 4)
    connector = C.ArrayConnector(np.eye(4, dtype=int))
    assert fastconnect.plan(UnconnectedProjection(a, b, connector, sim.StaticSynapse()),
                            connector) is None


def test_clone_connector():
    a, b = pops(20, 20)
    reference = sim.Projection(a, b, C.FixedProbabilityConnector(0.3, rng=NumpyRNG(8)),
                               sim.StaticSynapse(weight=0.2))

    def build():
        rw = NumpyRNG(9)
        return a, b, C.CloneConnector(reference), random_synapse(rw), [rw]
    compare(build)


@pytest.mark.parametrize("allow_self", [True, False])
@pytest.mark.parametrize("parallel_safe", [True, False])
def test_fixed_probability(allow_self, parallel_safe):
    def build():
        p = sim.Population(40, sim.IF_cond_exp())
        rng, rw, rd = (NumpyRNG(s, parallel_safe=parallel_safe) for s in (21, 22, 23))
        connector = C.FixedProbabilityConnector(0.2, allow_self_connections=allow_self, rng=rng)
        return p, p, connector, random_synapse(rw, rd), [rng, rw, rd]
    compare(build)


def test_no_connections():
    def build():
        a, b = pops(10, 10)
        return a, b, C.FixedProbabilityConnector(0.0, rng=NumpyRNG(1)), random_synapse(), []
    assert len(compare(build)) == 0


def test_fixed_probability_views_and_assemblies():
    def build():
        a, b, c = (sim.Population(n, sim.IF_cond_exp()) for n in (10, 15, 20))
        rng = NumpyRNG(31)
        connector = C.FixedProbabilityConnector(0.4, allow_self_connections=False, rng=rng)
        return a + c[3:12], c[::3] + b, connector, random_synapse(), [rng]
    compare(build)


def test_fixed_probability_rng_shared_with_weights_and_delays():
    # PyNN deep-copies the connector's and the weights' RNG: none advances
    def build():
        a, b = pops(30, 30)
        rng = NumpyRNG(41)
        connector = C.FixedProbabilityConnector(0.3, rng=rng)
        return a, b, connector, random_synapse(rng, rng), [rng]
    compare(build)


@pytest.mark.parametrize("distribution", [
    ('uniform', (0.1, 1.0)), ('normal', (1.0, 0.2)), ('normal_clipped', (0.5, 0.5, 0.1, 0.8)),
    ('gamma', (2.0, 0.3)), ('uniform_int', (1, 5)), ('lognormal', (0.0, 0.5)),
    ('exponential', (0.4,)), ('normal_clipped_to_boundary', (0.5, 0.5, 0.1, 0.8)),
])
def test_random_weight_distributions(distribution):
    def build():
        a, b = pops(35, 30)
        rng = NumpyRNG(51)
        delay = ('normal_clipped', (0.5, 0.3, 0.1, 0.9))
        synapse = random_synapse(NumpyRNG(52), NumpyRNG(53), weight=distribution, delay=delay)
        return a, b, C.FixedProbabilityConnector(0.25, rng=rng), synapse, [rng]
    compare(build)


def test_random_distribution_without_rng_and_lazy_operations():
    # a RandomDistribution without rng gets an unseeded NumpyRNG: copy its state
    weights = RD('normal', (0.5, 0.05))
    weights.rng = NumpyRNG(61)

    def build():
        a, b = pops(25, 25)
        synapse = ScaledSynapse(weight=deepcopy(weights), delay=0.2,
                                U=RD('uniform', (0.1, 0.9), rng=NumpyRNG(62)))
        return a, b, C.AllToAllConnector(), synapse, []
    compare(build)


def test_distance_expressions():
    def build():
        a = sim.Population(36, sim.IF_cond_exp(), structure=Grid2D(dx=10.0, dy=10.0))
        b = sim.Population(20, sim.IF_cond_exp(), structure=Line(dx=7.0, y=3.0))
        rng = NumpyRNG(71)
        synapse = sim.StaticSynapse(weight=lambda d: 0.5 * np.exp(-d / 40.0) + 0.01,
                                    delay=lambda d: 0.1 + d / 50.0)
        return a, b, C.FixedProbabilityConnector(0.5, rng=rng), synapse, [rng]
    compare(build, space=Space(axes='xy', periodic_boundaries=((0, 60), (0, 50), None)))


def test_distance_dependent_probability():
    def build():
        p = sim.Population(64, sim.IF_cond_exp(), structure=Grid2D(dx=5.0, dy=5.0))
        rng = NumpyRNG(81)
        connector = C.DistanceDependentProbabilityConnector("exp(-d / 15.0)",
                                                            allow_self_connections=False, rng=rng)
        return p, p[10:50], connector, sim.StaticSynapse(weight=lambda d: d * 0.01 + 0.1), [rng]
    compare(build, space=Space(scale_factor=1.5, offset=2.0))


class Ramp(IndexBasedExpression):
    def __call__(self, i, j):
        return 0.1 + 0.01 * i + 0.001 * j


def test_index_based_probability_and_parameters():
    def build():
        a, b = pops(30, 20)
        rng = NumpyRNG(91)
        connector = C.IndexBasedProbabilityConnector(Ramp(), rng=rng)
        return a, b, connector, sim.StaticSynapse(weight=Ramp(), delay=0.4), [rng]
    compare(build)


def test_displacement_dependent_probability():
    def build():
        a = sim.Population(25, sim.IF_cond_exp(), structure=Grid2D(dx=1.0, dy=1.0))
        rng = NumpyRNG(92)
        connector = C.DisplacementDependentProbabilityConnector(
            lambda d: np.exp(-(d[0] ** 2 + 0.5 * d[1] ** 2) / 8.0), rng=rng)
        return a, a, connector, random_synapse(), [rng]
    compare(build)


class RememberingConnector(C.FixedNumberPreConnector):
    """A subclass that keeps connect(), as a backend's connectors may be."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.note = True


def test_subclasses_keeping_connect_are_handled():
    def build():
        a, b = pops(20, 20)
        rng = NumpyRNG(93)
        return a, b, RememberingConnector(5, rng=rng), random_synapse(), [rng]
    compare(build)
    a, b = pops(5, 5)
    connector = C.FromFileConnector(__file__)   # connect() reads the file: not handled
    assert fastconnect.plan(UnconnectedProjection(a, b, connector, sim.StaticSynapse()),
                            connector) is None


def test_no_mutual_is_declined():
    p = sim.Population(5, sim.IF_cond_exp())
    connector = C.FixedProbabilityConnector(0.5, allow_self_connections='NoMutual',
                                            rng=NumpyRNG(1))
    assert fastconnect.plan(UnconnectedProjection(p, p, connector, sim.StaticSynapse()),
                            connector) is None


@pytest.mark.parametrize("safe", [True, False])
def test_weight_checks(safe):
    def build():
        a, b = pops(10, 10)
        synapse = sim.StaticSynapse(weight=RD('normal', (0.0, 1.0), rng=NumpyRNG(3)))
        return a, b, C.AllToAllConnector(safe=safe), synapse, []
    compare(build, expect_error=safe)


@pytest.mark.parametrize("weight_range,delay_range,fails", [
    ((-0.2, 1.0), (0.2, 1.4), True),     # weights fail
    ((0.1, 1.0), (0.2, 1.6), True),      # delays fail
    ((-0.01, 1.0), (0.2, 1.55), True),   # both fail; delays first (column 8, weights at 20)
    ((-0.05, 1.0), (0.2, 1.55), True),   # both fail; weights first (column 1, delays at 8)
    ((0.1, 1.0), (0.2, 1.4), False),
])
def test_parameter_checks_fail_where_pynn_fails(weight_range, delay_range, fails):
    def build():
        a, b = pops(30, 40)
        rng = NumpyRNG(7)
        synapse = CheckedSynapse(weight=RD('uniform', weight_range, rng=NumpyRNG(8)),
                                 delay=RD('uniform', delay_range, rng=NumpyRNG(9)))
        return a, b, C.FixedProbabilityConnector(0.1, rng=rng), synapse, [rng]
    compare(build, expect_error=fails)


def test_user_lazy_array_arithmetic():
    def build():
        a, b = pops(20, 30)
        rng, rw = NumpyRNG(11), NumpyRNG(12)
        weight = LazyArray(RD('uniform', (0.1, 1.0), rng=rw)) * 2 + 0.1
        return a, b, C.FixedNumberPreConnector(6, rng=rng), \
            ScaledSynapse(weight=weight, delay=0.5), [rng, rw]
    compare(build)


def test_inhibitory_current_based_weights():
    def build():
        a, b = pops(15, 12, celltype=sim.IF_curr_exp)
        rng = NumpyRNG(4)
        synapse = sim.StaticSynapse(weight=RD('uniform', (-1.0, -0.1), rng=NumpyRNG(5)))
        return a, b, C.FixedProbabilityConnector(0.5, rng=rng), synapse, [rng]
    compare(build, receptor_type='inhibitory')


# --- fixed-number connectors --------------------------------------------------------------


def fixed_number_cases():
    for cls in (C.FixedNumberPreConnector, C.FixedNumberPostConnector):
        for with_replacement in (True, False):
            for allow_self in (True, False):
                for n in ("int", "rd", "rd_zero", "rd_shared", "large"):
                    yield cls, with_replacement, allow_self, n


@pytest.mark.parametrize("cls,with_replacement,allow_self,n", list(fixed_number_cases()))
def test_fixed_number(cls, with_replacement, allow_self, n):
    def build():
        p = sim.Population(30, sim.IF_cond_exp())
        rng, rn, rw = NumpyRNG(101), NumpyRNG(102), NumpyRNG(103)
        number = {"int": 7, "large": 45,
                  "rd": RD('uniform_int', (1, 12), rng=rn),
                  "rd_zero": RD('uniform_int', (0, 3), rng=rn),
                  "rd_shared": RD('binomial', (20, 0.3), rng=rng)}[n]
        connector = cls(number, with_replacement=with_replacement,
                        allow_self_connections=allow_self, rng=rng)
        # the weights name the connector's RNG too (PyNN uses a copy of it)
        synapse = random_synapse(rng, rw)
        return p, p, connector, synapse, [rng, rn, rw]
    # PyNN itself fails on n = 0 without replacement (np.hstack([])) and, with
    # "large", on a repeated self-draw (_rng_uniform_int_exclude indexing)
    pynn_fails = ((n == "rd_zero" and not with_replacement)
                  or (n == "large" and with_replacement and not allow_self))
    compare(build, expect_error=pynn_fails)


@pytest.mark.parametrize("cls", [C.FixedNumberPreConnector, C.FixedNumberPostConnector])
def test_fixed_number_views(cls):
    def build():
        a, b = pops(40, 40)
        rng = NumpyRNG(111)
        return a[::2], b[5:30], cls(5, rng=rng), random_synapse(), [rng]
    compare(build)


@pytest.mark.parametrize("make_connector", [
    lambda rng: C.FixedNumberPreConnector(4, rng=rng),
    lambda rng: C.FixedNumberPostConnector(RD('poisson', (3.0,), rng=NumpyRNG(2)),
                                           with_replacement=True, rng=rng),
    lambda rng: C.FixedTotalNumberConnector(150, rng=rng),
])
def test_fixed_number_assemblies(make_connector):
    def build():
        a, b, c = (sim.Population(n, sim.IF_cond_exp()) for n in (10, 15, 20))
        rng = NumpyRNG(112)
        return a + c[2:9], c[::3] + b, make_connector(rng), random_synapse(rng), [rng]
    compare(build)


def assert_declined(projection, connector, rngs):
    before = rng_states(rngs)
    assert fastconnect.plan(projection, connector) is None
    assert_same_states(rng_states(rngs), before)


def test_declined_cases_draw_nothing():
    a = sim.Population(9, sim.IF_cond_exp(), structure=Grid2D())
    b = sim.Population(8, sim.IF_cond_exp())
    rng = NumpyRNG(5, parallel_safe=False)
    # PyNN's masked branch would build np.array() from ragged target lists
    connector = C.FixedNumberPostConnector(3, rng=rng)
    assert_declined(UnconnectedProjection(a, b, connector, sim.StaticSynapse()), connector, [rng])
    rng = NumpyRNG(6)
    connector = C.FixedTotalNumberConnector(RD('poisson', (20.0,), rng=rng), rng=rng)
    assert_declined(UnconnectedProjection(a, b, connector, sim.StaticSynapse()), connector, [rng])
    # distances to or from an Assembly: its position_generator is transposed
    connector = C.FixedNumberPreConnector(3, rng=rng)
    synapse = sim.StaticSynapse(weight=lambda d: 0.1 + d)
    assert_declined(UnconnectedProjection(a + b, b, connector, synapse), connector, [rng])
    connector = C.SmallWorldConnector(1.0, 0.1, rng=rng)
    assert_declined(UnconnectedProjection(a, b, connector, sim.StaticSynapse()), connector, [rng])


def test_fixed_number_pre_without_parallel_safe_rng():
    def build(allow_self):
        p = sim.Population(20, sim.IF_cond_exp())
        rng = NumpyRNG(121, parallel_safe=False)
        connector = C.FixedNumberPreConnector(4, allow_self_connections=allow_self, rng=rng)
        return p, p, connector, sim.StaticSynapse(weight=0.5), [rng]
    compare(lambda: build(True))
    # PyNN raises NotImplementedError here: plan() must decline without drawing
    p, _, connector, synapse, rngs = build(False)
    assert_declined(UnconnectedProjection(p, p, connector, synapse), connector, rngs)


@pytest.mark.parametrize("sizes,n", [((30, 25), 500), ((1, 17), 40), ((16, 1), 40),
                                     ((1, 1), 5), ((1024, 3), 300), ((7, 64), 0)])
def test_fixed_total_number(sizes, n):
    def build():
        a, b = pops(*sizes)
        rng, rw = NumpyRNG(131), NumpyRNG(132)
        connector = C.FixedTotalNumberConnector(n, rng=rng)
        return a, b, connector, random_synapse(rng, rw), [rng, rw]
    compare(build)


# --- normal_clipped and FixedTotalNumber drawn in C: the Potjans-Diesmann projection ------


@pytest.fixture(params=[1, 2], ids=["1 thread", "2 threads"])
def threads(request, monkeypatch):
    """The simulator's thread count, which plan() draws independent streams with."""
    monkeypatch.setattr(sim.simulator.state, "threads", request.param, raising=False)
    return request.param


def pd14_synapse(source_type, rng_w, rng_d):
    """examples/potjans2014.py's weights and delays (there on unseeded NumpyRNGs)."""
    if source_type == "E":
        weight = RD('normal_clipped', [87.8e-3, 8.78e-3, 0.0, np.inf], rng=rng_w)
        delay = RD('normal_clipped', [1.5, 0.75, 0.1, np.inf], rng=rng_d)
    else:
        weight = RD('normal_clipped', [-351.2e-3, 35.12e-3, -np.inf, 0.0], rng=rng_w)
        delay = RD('normal_clipped', [0.75, 0.375, 0.1, np.inf], rng=rng_d)
    return sim.StaticSynapse(weight=weight, delay=delay)


@pytest.mark.parametrize("source_type", ["E", "I"])
@pytest.mark.parametrize("sizes,n", [((60, 50), 3000), ((200, 150), 30000), ((1, 30), 50),
                                     ((40, 1), 60), ((300, 400), 150)])   # last: empty columns
def test_potjans_diesmann_projection(threads, source_type, sizes, n):
    def build():
        a, b = pops(*sizes, celltype=sim.IF_curr_exp)
        rw, rd = NumpyRNG(161), NumpyRNG(162)
        connector = C.FixedTotalNumberConnector(n)   # PyNN's NumpyRNG(seed=151985012)
        return a, b, connector, pd14_synapse(source_type, rw, rd), [connector.rng, rw, rd]
    compare(build, receptor_type="excitatory" if source_type == "E" else "inhibitory")


def test_potjans_diesmann_projection_is_drawn_in_c(monkeypatch):
    # no distribution is drawn by PyNN's calls (_draw), column by column
    a, b = pops(50, 40, celltype=sim.IF_curr_exp)
    connector = C.FixedTotalNumberConnector(2000, rng=NumpyRNG(3))
    projection = UnconnectedProjection(a, b, connector, pd14_synapse("E", None, None))

    def forbidden(*args, **kwargs):
        raise AssertionError("drawn in Python")
    monkeypatch.setattr(fastconnect, "_draw", forbidden)
    assert len(fastconnect.plan(projection, connector)) == 2000


@pytest.mark.parametrize("make_connector", [
    lambda rng: C.FixedProbabilityConnector(0.05, rng=rng),   # many empty columns
    lambda rng: C.FixedNumberPreConnector(3, rng=rng),
    lambda rng: C.FixedTotalNumberConnector(700, rng=rng),
    lambda rng: C.AllToAllConnector(),
])
def test_normal_clipped_with_many_redraws(threads, make_connector):
    def build():
        a, b = pops(40, 60)
        rng, rw, rd = NumpyRNG(171), NumpyRNG(172), NumpyRNG(173)
        # 15 % and 4 % of the values in range: many redraw rounds
        synapse = sim.StaticSynapse(weight=RD('normal_clipped', (0.0, 1.0, 0.5, 1.0), rng=rw),
                                    delay=RD('normal_clipped', (1.0, 1.0, 0.5, 0.6), rng=rd))
        return a, b, make_connector(rng), synapse, [rng, rw, rd]
    compare(build)


class OwnClippedRNG(NumpyRNG):
    """A NumpyRNG subclass with its own normal_clipped: not what C reproduces."""

    def normal_clipped(self, mu=0.0, sigma=1.0, low=-np.inf, high=np.inf, size=None):
        return np.clip(self.rng.normal(mu, sigma, size), low, high)


def test_numpy_rng_subclass_is_drawn_by_its_own_methods():
    def build():
        a, b = pops(30, 30)
        rng = NumpyRNG(181)
        synapse = sim.StaticSynapse(weight=RD('normal_clipped', (0.5, 0.3, 0.1, 0.9),
                                              rng=OwnClippedRNG(182)), delay=0.5)
        return a, b, C.FixedTotalNumberConnector(400, rng=rng), synapse, [rng]
    compare(build)


def impossible():
    return RD('normal_clipped', (0.0, 1.0, 10.0, 11.0), rng=NumpyRNG(191))


@pytest.mark.parametrize("weight,delay,error", [
    (RD('uniform', (0.1, 1.0), rng=NumpyRNG(1)), "impossible", "Maximum number of redraws"),
    # both fail in the first column: the weights are drawn first
    (RD('normal', (0.5, -0.1), rng=NumpyRNG(1)), "impossible", "scale < 0"),
    (RD('normal_clipped', (0.5, -0.1, 0.0, 1.0), rng=NumpyRNG(1)), "impossible", "scale < 0"),
    ("impossible", RD('normal', (0.5, -0.1), rng=NumpyRNG(1)), "Maximum number of redraws"),
    # drawn before it is checked: the redraw error comes first
    (RD('uniform', (-1.0, 1.0), rng=NumpyRNG(1)), "impossible", "Maximum number of redraws"),
])
def test_draw_errors_are_pynn_errors(weight, delay, error):
    def build():
        a, b = pops(30, 40)
        rng = NumpyRNG(192)
        synapse = sim.StaticSynapse(
            weight=impossible() if weight == "impossible" else deepcopy(weight),
            delay=impossible() if delay == "impossible" else deepcopy(delay))
        return a, b, C.FixedTotalNumberConnector(500, rng=rng), synapse, [rng]
    # (a receptor type, else Projection() draws a weight to guess it)
    assert error in str(compare(build, expect_error=True, receptor_type="excitatory"))


def test_redraw_failure_after_earlier_columns(monkeypatch):
    """A redraw failure in a later column comes after an earlier column's
    weight check or numpy error: over many seeds, each order is met, and
    plan() must always raise what PyNN raises."""
    monkeypatch.setattr(pynn_random, "MAX_REDRAWS", 0)
    raised = set()
    for seed in range(40):
        def build():
            a, b = pops(30, 40)
            rng = NumpyRNG(seed)
            # 2 % of the weights negative (a mixed column fails the check),
            # 2 % of the delays out of range after 1 redraw round
            synapse = ScaledSynapse(weight=RD('uniform', (-0.02, 1.0), rng=NumpyRNG(seed + 100)),
                                    delay=RD('normal_clipped', (0.0, 1.0, -1.08, np.inf),
                                             rng=NumpyRNG(seed + 200)))
            return a, b, C.FixedTotalNumberConnector(200, rng=rng), synapse, [rng]
        error = compare(build, expect_error=None)
        raised.add(type(error).__name__ if isinstance(error, Exception) else None)
    assert {"ConnectionError", "Exception"} <= raised, raised


def test_numpy_error_of_a_later_parameter_in_the_first_column():
    # U (numpy's gamma with a negative shape) fails at the first column;
    # the delays (C) too, and they are drawn before U
    def build(delay_fails):
        a, b = pops(20, 20)
        rng = NumpyRNG(193)
        synapse = ScaledSynapse(weight=0.1, U=RD('gamma', (-1.0, 0.1), rng=NumpyRNG(194)),
                                delay=impossible() if delay_fails else 0.5)
        return a, b, C.FixedTotalNumberConnector(100, rng=rng), synapse, [rng]
    assert "redraws" in str(compare(lambda: build(True), expect_error=True))
    assert "shape" in str(compare(lambda: build(False), expect_error=True))


# --- FromListConnector --------------------------------------------------------------------


def test_from_list_with_extra_columns():
    rng = np.random.RandomState(141)
    n = 400
    conn_list = np.column_stack([rng.randint(0, 20, n), rng.randint(0, 30, n),
                                 rng.uniform(0.1, 1.0, n), rng.uniform(0.2, 3.0, n),
                                 rng.uniform(0.1, 0.9, n)])

    def build():
        a, b = pops(20, 25)   # post indices >= 25 are dropped, as PyNN does
        synapse = ScaledSynapse(tau_rec=RD('uniform', (50.0, 150.0), rng=NumpyRNG(142)))
        connector = C.FromListConnector(conn_list.copy(), column_names=('weight', 'delay', 'U'))
        return a, b, connector, synapse, []
    compare(build)


def test_from_list_normal_clipped():
    # every target draws from a fresh copy of one RNG: its values depend on
    # how many it draws (redraws), so targets of equal size get equal values
    rng = np.random.RandomState(143)
    conn_list = np.column_stack([rng.randint(0, 20, 300), rng.randint(0, 25, 300) ** 2 % 25])

    def build():
        a, b = pops(20, 25)
        rw = NumpyRNG(144)
        synapse = sim.StaticSynapse(weight=RD('normal_clipped', (0.0, 1.0, 0.5, 1.0), rng=rw),
                                    delay=0.5)
        return a, b, C.FromListConnector(conn_list.copy()), synapse, [rw]
    compare(build)


def test_from_list_two_columns_and_empty():
    def build(entries):
        a, b = pops(5, 5)
        return a, b, C.FromListConnector(entries), sim.StaticSynapse(weight=0.3, delay=0.7), []
    compare(lambda: build([(0, 1), (4, 1), (2, 0), (3, 4), (0, 1)]))
    assert len(compare(lambda: build([]))) == 0


def test_from_list_sorts_the_connector_list_like_pynn():
    entries = [(1, 3, 0.1, 0.5), (0, 0, 0.2, 0.5), (4, 3, 0.3, 0.5), (2, 0, 0.4, 0.5)]
    a, b = pops(5, 5)
    generic = C.FromListConnector(entries)
    RecordingProjection(a, b, generic, sim.StaticSynapse())
    planned = C.FromListConnector(entries)
    fastconnect.plan(UnconnectedProjection(a, b, planned, sim.StaticSynapse()), planned)
    assert np.array_equal(planned.conn_list, generic.conn_list)


def test_from_list_invalid_is_declined():
    a, b = pops(5, 5)
    connector = C.FromListConnector([(7, 1, 0.1, 0.2)])
    assert fastconnect.plan(UnconnectedProjection(a, b, connector, sim.StaticSynapse()),
                            connector) is None


# --- speed --------------------------------------------------------------------------------


@pytest.mark.parametrize("label,sizes,make_connector", [
    ("FixedProbability(0.1)", (2000, 2000),
     lambda rng: C.FixedProbabilityConnector(0.1, rng=rng)),
    ("FixedNumberPre(50)", (2000, 20000),
     lambda rng: C.FixedNumberPreConnector(50, with_replacement=True, rng=rng)),
    ("FixedTotalNumber(100000)", (2000, 2000),
     lambda rng: C.FixedTotalNumberConnector(100000, rng=rng)),
])
def test_large_cases_are_fast(label, sizes, make_connector):
    def build():
        a, b = pops(*sizes)
        rng = NumpyRNG(151)
        return a, b, make_connector(rng), random_synapse(NumpyRNG(152), NumpyRNG(153)), [rng]

    t = {}
    planned = compare(build, timings=t)
    print(f"\n{sizes[0]}x{sizes[1]} {label}, {len(planned)} connections: "
          f"generic {t['generic']:.2f} s, plan {t['plan']:.3f} s "
          f"({t['generic'] / t['plan']:.0f}x)")
