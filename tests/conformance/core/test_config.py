"""Run options: values checked, profiles filled in."""

from __future__ import annotations

import pytest

from conformance.core.config import ConfigError, RunConfig


def test_config_validation() -> None:
    with pytest.raises(ConfigError):
        RunConfig(base_url="ftp://x")
    with pytest.raises(ConfigError):
        RunConfig(base_url="http://x", phases=("nope",))
    config = RunConfig(base_url="http://x/", profile="quick")
    assert config.base_url == "http://x" and config.seed is not None and config.run_prefix.startswith("cf")
