"""The HTTP edge: routing, body reading, dispatch to handlers, answers, auth, faults, serving."""
