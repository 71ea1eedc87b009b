"""Drift between two servers: answers normalised and compared (normalise.py), a HAR recording
replayed elsewhere (replay.py), one seeded scenario run on two servers (diff.py), and what
both print (report.py)."""
