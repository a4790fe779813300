"""Samples in the Prometheus text format, for people reading ``agent check``."""

from __future__ import annotations

from agent.readings import Sample
from pantau_wire.agent_report import FAMILY_BY_NAME


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(samples: list[Sample]) -> str:
    """Samples grouped by family, each family with its HELP and TYPE lines."""
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample[0], []).append(sample)
    lines = []
    for name, group in by_name.items():
        family = FAMILY_BY_NAME.get(name)
        if family is not None:
            # Not str.removesuffix: the agent runs on Python 3.8.
            base = name[:-len("_total")] if family.type == "counter" and \
                name.endswith("_total") else name
            lines += [f"# HELP {base} {family.help}", f"# TYPE {base} {family.type}"]
        for _, labels, value in group:
            text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
            lines.append(f"{name}{{{text}}} {value!r}" if text else f"{name} {value!r}")
    return "\n".join(lines) + "\n"
