"""
Post-synaptic responses (receptors) for PointNeuron, and the composed cell
type itself with its membrane components LIF and AdExp.

The kernel builds a composed population's tables from the component and
the receptors (rv_pop_create_composed); receptor parameters and state
variables are named "<receptor>.<name>" there, as PyNN names them in
get() and record().

:copyright: Copyright the Ranvier developers.
"""

from pyNN.parameters import ParameterSpace
from pyNN.standardmodels import cells, receptors

from .cells import identity_translations


class CurrExpPostSynapticResponse(receptors.CurrExpPostSynapticResponse):
    __doc__ = receptors.CurrExpPostSynapticResponse.__doc__
    translations = identity_translations(receptors.CurrExpPostSynapticResponse)
    recordable = ["isyn"]
    kernel_kind = "CurrExp"


class CondExpPostSynapticResponse(receptors.CondExpPostSynapticResponse):
    __doc__ = receptors.CondExpPostSynapticResponse.__doc__
    translations = identity_translations(receptors.CondExpPostSynapticResponse)
    recordable = ["gsyn"]
    kernel_kind = "CondExp"


class CondAlphaPostSynapticResponse(receptors.CondAlphaPostSynapticResponse):
    __doc__ = receptors.CondAlphaPostSynapticResponse.__doc__
    translations = identity_translations(receptors.CondAlphaPostSynapticResponse)
    recordable = ["gsyn"]
    kernel_kind = "CondAlpha"


class CondBetaPostSynapticResponse(receptors.CondBetaPostSynapticResponse):
    __doc__ = receptors.CondBetaPostSynapticResponse.__doc__
    translations = identity_translations(receptors.CondBetaPostSynapticResponse)
    recordable = ["gsyn"]
    kernel_kind = "CondBeta"


ExpPSR = CondExpPostSynapticResponse
AlphaPSR = CondAlphaPostSynapticResponse
BetaPSR = CondBetaPostSynapticResponse


class LIF(cells.LIF):
    __doc__ = cells.LIF.__doc__
    translations = identity_translations(cells.LIF)
    kernel_component = "LIF"


class AdExp(cells.AdExp):
    __doc__ = cells.AdExp.__doc__
    translations = identity_translations(cells.AdExp)
    kernel_component = "AdExp"


class PointNeuron(cells.PointNeuron):
    """A membrane component (LIF or AdExp) with named post-synaptic
    receptors, e.g. ``PointNeuron(LIF(), AMPA=CondAlphaPostSynapticResponse(),
    GABAA=CondAlphaPostSynapticResponse(e_syn=-70))``.  Receptor parameters
    are read and set as "<receptor>.<parameter>"."""

    def kernel_spec(self):
        """(component, receptor names, receptor kinds) for the kernel."""
        names = self.receptor_types
        return (self.neuron.kernel_component, list(names),
                [self.post_synaptic_receptors[name].kernel_kind for name in names])

    def _flat(self, component_space, receptor_spaces):
        values = dict(component_space.items())
        for name, space in receptor_spaces.items():
            for param, value in space.items():
                if param != "locations":  # multicompartment only
                    values["%s.%s" % (name, param)] = value
        return values

    @property
    def native_parameters(self):
        return ParameterSpace(self._flat(
            self.neuron.native_parameters,
            {name: psr.native_parameters for name, psr in self.post_synaptic_receptors.items()}))

    def get_schema(self):
        schema = dict(self.neuron.get_schema())
        for name, psr in self.post_synaptic_receptors.items():
            schema.update(("%s.%s" % (name, param), kind)
                          for param, kind in psr.get_schema().items() if param != "locations")
        return schema

    def get_parameter_names(self):
        return list(self.get_schema())

    def has_parameter(self, name):
        return name in self.get_schema()

    def get_native_names(self, *names):
        return list(names) if names else self.get_parameter_names()

    def translate(self, parameters, copy=True):
        """The kernel's names are PyNN's: flattening nested receptor spaces
        is the only change."""
        flat = {}
        for name, value in parameters.items():
            if isinstance(value, ParameterSpace):
                flat.update(("%s.%s" % (name, k), v) for k, v in value.items()
                            if k != "locations")
            else:
                flat[name] = value
        return ParameterSpace(flat, shape=parameters.shape)

    def reverse_translate(self, native_parameters):
        return ParameterSpace(dict(native_parameters.items()), shape=native_parameters.shape)
