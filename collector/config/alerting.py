"""Config model of the `alerting` section: when states become mails."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from collector.config.durations import NonNegativeDuration, PositiveDuration


class AlertingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    group_window: PositiveDuration = 30.0
    """Events within this long of the first one go into one mail; causes are judged at its
    end, once the agents have replayed what they spooled through the gap."""
    degraded_after: PositiveDuration = 600.0
    recovery_hold: NonNegativeDuration = 60.0
    """A recovery is told once the site or link has stayed up this long (and no sooner than
    group_window): one that goes down again within it is flapping, not a new outage."""
    flap_transitions: Annotated[int, Strict(), Field(ge=2)] = 4
    flap_window: PositiveDuration = 600.0
    flap_stable: PositiveDuration = 600.0
    """A flapping site or link that has kept one state this long is stable again: one mail
    says so (recovered, or down for good)."""
    reminder_interval: NonNegativeDuration = 14400.0
    """0 turns reminders off."""
