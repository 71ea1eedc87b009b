"""The engine: runs the phases of a run in order, records what they exercised (coverage), and
emits events for reporters. It knows nothing of output."""
