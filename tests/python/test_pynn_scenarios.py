"""
PyNN 0.13.0's own system-test scenarios (test/system/scenarios in its
source distribution), run unchanged on Ranvier.

The scenarios are parametrised by simulator name through their
fixtures.run_with_simulators; here they run in a temporary copy whose
fixtures module lists only "ranvier".  scripts/setup.sh fetches the
source distribution into build/pynn-sdist.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = next(iter(sorted((ROOT / "build" / "pynn-sdist").glob("*/test/system/scenarios"))),
                 None)

FIXTURES = '''
import pytest


def run_with_simulators(*sim_names):
    import pyNN.ranvier as sim
    return pytest.mark.parametrize("sim", [pytest.param(sim, id="ranvier")])
'''

# Scenarios that need models of the complete standard library (issue 3:
# adaptive and Hodgkin-Huxley neurons, gamma sources, composed neurons,
# short-term and spike-timing-dependent plasticity, stochastic synapses).
NEEDS_FULL_LIBRARY = [
    "test_cell_types.py::test_EIF_cond_alpha_isfa_ista",
    "test_cell_types.py::test_HH_cond_exp",
    "test_cell_types.py::test_SpikeSourceGamma",
    "test_cell_types.py::test_SpikeSourcePoissonRefractory",
    "test_cell_types.py::test_composed_neuron_model_homogeneous_receptors",
    "test_connection_handling.py::test_issue652",
    "test_connectors.py::test_all_to_all_tsodyksmarkram",
    "test_connectors.py::test_fixed_number_pre_with_replacement_heterogeneous_parameters",
    "test_connectors.py::test_fixed_number_post_with_replacement_heterogeneous_parameters",
    "test_parameter_handling.py::test_set_synaptic_parameters_fully_connected",
    "test_parameter_handling.py::test_set_synaptic_parameters_partially_connected",
    "test_parameter_handling.py::test_set_synaptic_parameters_multiply_connected",
    "test_parameter_handling.py::test_issue505",
    "test_recording.py::test_record_vm_and_gsyn_from_assembly",
    "test_scenario3.py::test_scenario3",
    "test_scenario4.py::test_scenario4",
    "test_synapse_types.py::test_simple_stochastic_synapse",
]


@pytest.mark.skipif(SCENARIOS is None, reason="PyNN's source distribution is not in "
                    "build/pynn-sdist (scripts/setup.sh fetches it)")
def test_pynn_system_scenarios(tmp_path):
    package = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, package)
    (package / "fixtures.py").write_text(FIXTURES)
    deselect = []
    for name in NEEDS_FULL_LIBRARY:
        deselect += ["--deselect", f"scenarios/{name}[ranvier]"]
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "scenarios", *deselect],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    print(result.stdout[-5000:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
