"""Turning the collector's state into Prometheus metric families.

The only package that knows metric names; one module per part of the state. Families are
built fresh on every ``collect()``, so what leaves the config leaves /metrics too.
"""

from collector.exposition.agents import AgentCollector
from collector.exposition.availability import AvailabilityCollector
from collector.exposition.channels import ChannelCollector
from collector.exposition.links import LinkText
from collector.exposition.mail import MailCollector
from collector.exposition.snmp import SnmpText

__all__ = ["AgentCollector", "AvailabilityCollector", "ChannelCollector", "LinkText",
           "MailCollector", "SnmpText"]
