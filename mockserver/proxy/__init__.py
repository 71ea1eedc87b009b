"""Proxy mode (`honcho-mock --proxy URL`): a validating proxy in front of a real deployment."""
