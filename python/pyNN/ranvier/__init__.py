"""
Ranvier as a PyNN backend:

    import pyNN.ranvier as sim

Scripts that choose their simulator by name (pyNN.utility.get_simulator)
use the name "ranvier".

:copyright: Copyright the Ranvier developers.
"""

from pyNN import errors, random, space  # noqa: F401
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from .connectors import *  # noqa: F401,F403
from .control import (  # noqa: F401
    end, get_current_time, get_max_delay, get_min_delay, get_time_step, initialize,
    num_processes, rank, reset, run, run_for, run_until, setup)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v, set  # noqa: F401
from .projections import Projection  # noqa: F401
from .random import NativeRNG  # noqa: F401
from .standardmodels.cells import *  # noqa: F401,F403
from .standardmodels.receptors import (  # noqa: F401
    LIF, AdExp, AlphaPSR, BetaPSR, CondAlphaPostSynapticResponse, CondBetaPostSynapticResponse,
    CondExpPostSynapticResponse, CurrExpPostSynapticResponse, ExpPSR, PointNeuron)
from .standardmodels.electrodes import (  # noqa: F401
    ACSource, DCSource, NoisyCurrentSource, StepCurrentSource)
from .standardmodels.synapses import (  # noqa: F401
    AdditivePotentiationMultiplicativeDepression, AdditiveWeightDependence, GutigWeightDependence,
    MultiplicativeWeightDependence, MultiQuantalSynapse, SimpleStochasticSynapse, SpikePairRule,
    StaticSynapse, STDPMechanism, StochasticTsodyksMarkramSynapse, TsodyksMarkramSynapse,
    Vogels2011Rule)


def list_standard_models():
    """Names of the standard cell types available in Ranvier."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj is not StandardCellType]


def export(path, format=None, duration=None):
    """Writes the network built so far to NeuroML 2 (+ LEMS) or SONATA files;
    see ranvier.exchange.export (docs/exchange.md)."""
    from ranvier import exchange
    return exchange.export(path, format=format, duration=duration)
