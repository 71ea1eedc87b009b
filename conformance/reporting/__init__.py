"""Reporters: consumers of the engine's events, each writing one kind of output (console, JSON,
JUnit XML, HTML). The engine knows none of them; the command line picks which listen."""
