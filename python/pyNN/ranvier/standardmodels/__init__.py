"""Standard cell, synapse and current-source types of the Ranvier backend."""
