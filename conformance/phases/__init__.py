"""The phases a run is made of, besides the semantic checks: schemathesis' contract and stateful
phases, the hypothesis model, the concurrency scenarios, and the load scenario they share with
the Locust file. Each reports `Failure`s through a callback; none knows about output."""
