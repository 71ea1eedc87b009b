"""Which changes between two versions of a contract break a client (`honcho-conformance breaking`)."""
