"""The Honcho API as the tester drives it: its operations and calls, the run's workspaces and
their clean-up, asynchronous deletion, and the filter language (a reference evaluator and a
generator of filters)."""
