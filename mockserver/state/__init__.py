"""What the mock holds: the store and its caps, filters, fixtures and state files; no HTTP here."""
