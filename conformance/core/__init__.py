"""What every part of the tester stands on, and nothing Honcho-specific: the shared vocabulary
(exchanges, failures, events, results), run options, the one reader of OpenAPI documents and
its route matcher, the confined client and its transports, and baselines."""
