"""The contract: openapi.yaml loaded, requests validated against it, answers from its examples."""
