"""reliefsim: simulation and policy-impact modelling of tiered social assistance."""

from reliefsim.errors import ReliefsimError
from reliefsim.scenario import Scenario, load_scenario

__all__ = ["ReliefsimError", "Scenario", "load_scenario"]
__version__ = "0.1.0"
