"""
Runs a LEMS simulation file in NEURON through jNeuroML's NEURON export
(`jnml LEMS.xml -neuron`: mod files and a Python script), as the exchange
cross-checks need (bench/exchange_crosscheck.py --simulator neuron,
tests/python/test_exchange_networks.py).  Needs java, pyNeuroML and NEURON
(nrnivmodl and a C++ compiler).

jNeuroML 0.14.0's SpikeSourcePoisson mod declares nrn_random_arg and
nrn_random_pick with void*, which NEURON 9 (whose mod files are C++)
declares with Rand*: the declarations are dropped and the pointer cast;
nothing else in the generated files is changed.
"""

import glob
import os
import subprocess
import sys

NEURON9_FIXES = (("double nrn_random_pick(void* r);\nvoid* nrn_random_arg(int argpos);\n", ""),
                 ("nrn_random_pick(_p_donotuse)", "nrn_random_pick((Rand*)_p_donotuse)"))


def run_neuron(lems_path, timeout=600):
    """Generates, compiles and runs; the output files appear beside the LEMS
    file.  Returns (ok, the output of the step that failed or of the run)."""
    from pyneuroml import pynml
    folder = os.path.dirname(os.path.abspath(lems_path))
    if not pynml.run_lems_with_jneuroml_neuron(
            os.path.abspath(lems_path), nogui=True, only_generate_scripts=True,
            compile_mods=False, exec_in_dir=folder, max_memory="2G", verbose=False,
            exit_on_fail=False):
        return False, "jNeuroML's NEURON export failed"
    for mod in glob.glob(os.path.join(folder, "*.mod")):
        with open(mod) as f:
            text = f.read()
        fixed = text
        for old, new in NEURON9_FIXES:
            fixed = fixed.replace(old, new)
        if fixed != text:
            with open(mod, "w") as f:
                f.write(fixed)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    script = os.path.basename(lems_path)[:-len(".xml")] + "_nrn.py"
    output = ""
    for cmd in (["nrnivmodl"], [sys.executable, script, "-nogui"]):
        result = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True,
                                timeout=timeout)
        output = result.stdout + result.stderr
        if result.returncode != 0:
            return False, output
    return True, output
