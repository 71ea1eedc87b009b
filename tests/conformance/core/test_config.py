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


def test_api_version_is_one_the_tester_carries() -> None:
    assert RunConfig(base_url="http://x", api_version="3.0.7").api_version == "3.0.7"
    assert RunConfig(base_url="http://x").api_version is None and RunConfig(base_url="http://x").spec is None
    with pytest.raises(ConfigError, match=r"--api-version: no Honcho API version '3\.0\.99'; .*3\.0\.7, 3\.0\.12"):
        RunConfig(base_url="http://x", api_version="3.0.99")
