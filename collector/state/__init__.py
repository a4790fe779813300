"""Link and site state: what the rounds say about the network."""

from collector.state.health import LinkHealth, LinkState, RoundSummary
from collector.state.store import StateStore, Transition

__all__ = ["LinkHealth", "LinkState", "RoundSummary", "StateStore", "Transition"]
