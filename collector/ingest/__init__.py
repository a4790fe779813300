"""Agents' pushed reports: the endpoint, validation, the registry of agents and the report log."""

from collector.ingest.registry import AgentRecord, AgentRegistry
from collector.ingest.reportlog import LoggedReport, ReportLog
from collector.ingest.service import REPORT_LOG_FILE, AgentIngest
from collector.ingest.validation import Rejected, Report, parse_report

__all__ = [
    "REPORT_LOG_FILE",
    "AgentIngest",
    "AgentRecord",
    "AgentRegistry",
    "LoggedReport",
    "Rejected",
    "Report",
    "ReportLog",
    "parse_report",
]
