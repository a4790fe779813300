"""Load the collector's YAML file into a `CollectorConfig`, or fail with every problem at once
(`{source}:{line}: {key.path}: {message}`, sorted by line; see `yaml_model`)."""

from __future__ import annotations

from pathlib import Path

from collector.config.checks import cross_check
from collector.config.enrolled import with_enrolled
from collector.config.model import CollectorConfig
from collector.config.yaml_model import parse_yaml_model
from collector.errors import ConfigError


def load_config(path: str | Path) -> CollectorConfig:
    """Read and validate the config file at `path`; raises ConfigError listing every problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read the file: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{source}: cannot read the file: not UTF-8 ({exc.reason})"]) from None
    # The agents enrolled beside it (`collector agents add`) belong to it.
    return with_enrolled(parse_config_text(text, source), Path(path))


def parse_config_text(text: str, source_name: str) -> CollectorConfig:
    """Validate config text; `source_name` stands for the file in every message."""
    return parse_yaml_model(text, source_name, CollectorConfig, cross_check)
