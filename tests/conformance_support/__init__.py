"""Helpers for the conformance tests: loopback serving and deliberately broken mocks."""
