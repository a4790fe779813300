"""DNS service checks: one query (name, type) to one name server, judged by the answer's rcode
and records; judged like HTTP services, with the same states, mails and metrics.

The one module that imports dnspython. Over UDP a truncated answer is asked again over TCP,
as resolvers do; the `resolve` phase is the server's own name (none for an address) and the
`lookup` phase the query's round trip (blackbox_exporter's `probe_dns_lookup_time_seconds`).
"""

from __future__ import annotations

import re
import time

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from collector.config import CollectorConfig
from collector.config.services import DnsService, DnsTransport
from collector.probes.base import ProbeContext, ProbeKind, Scheduled
from collector.probes.recording import (
    CheckFailed,
    PerCheckProbe,
    ServiceCheck,
    ServiceRecorder,
    resolve,
    run_check,
    service_recorder,
    service_schedule,
)
from collector.state.services import FailureKind, ServiceResult

DnsCheck = ServiceCheck[DnsService]


def schedule(config: CollectorConfig) -> list[Scheduled]:
    return service_schedule(config, "dns", DnsService)


class DnsProbe(PerCheckProbe):
    def describe(self) -> str:
        return "DNS"

    async def probe(self, spec: DnsCheck) -> ServiceResult:
        service = spec.service
        phases = {"resolve": 0.0, "lookup": 0.0}
        began, at = time.monotonic(), time.time()
        answers: list[int] = []
        failure, detail = await run_check(service.timeout,
                                          self._check(service, phases, answers))
        return ServiceResult(site=spec.site, service=service.name, kind="dns", at=at,
                             duration=time.monotonic() - began,
                             failure=failure, detail=detail[:200],
                             phases=phases,
                             figures={"answer_rrs": answers[0]} if answers else {})

    async def _check(self, service: DnsService, phases: dict[str, float],
                     answers: list[int]) -> None:
        server = await resolve(service.server, service.port, phases)
        query = dns.message.make_query(service.query_name, service.query_type.value,
                                       dns.rdataclass.IN)
        if not service.recursion:
            query.flags &= ~dns.flags.RD
        started = time.monotonic()
        try:
            response = await _ask(query, server, service)
        except OSError as err:
            raise CheckFailed(FailureKind.CONNECT,
                              f"{server}:{service.port}: {err.strerror or err}") from None
        except dns.exception.Timeout:
            raise CheckFailed(FailureKind.TIMEOUT,
                              f"no answer within {service.timeout:g} s") from None
        except dns.exception.DNSException as err:
            raise CheckFailed(FailureKind.OTHER, f"bad answer from {server}: {err}") from None
        finally:
            phases["lookup"] = time.monotonic() - started
        records = [line for rrset in response.answer for line in rrset.to_text().splitlines()]
        answers.append(len(records))
        _judge(service, dns.rcode.to_text(response.rcode()), records)


async def _ask(query: dns.message.Message, server: str,
               service: DnsService) -> dns.message.Message:
    if service.transport is DnsTransport.TCP:
        return await dns.asyncquery.tcp(query, server, timeout=service.timeout,
                                        port=service.port)
    response, _ = await dns.asyncquery.udp_with_fallback(query, server, timeout=service.timeout,
                                                         port=service.port)
    return response


def _judge(service: DnsService, rcode: str, records: list[str]) -> None:
    expected = [code.value for code in service.expect_rcode]
    if rcode not in expected:
        raise CheckFailed(FailureKind.DNS, f"rcode {rcode}, expected {' or '.join(expected)}")
    if service.answer_match is not None and \
            not any(re.search(service.answer_match, record) for record in records):
        raise CheckFailed(FailureKind.DNS, f"no record of the answer matches "
                          f"{service.answer_match!r} ({_shown(records)})")
    if service.answer_not_match is not None:
        for record in records:
            if re.search(service.answer_not_match, record):
                raise CheckFailed(FailureKind.DNS, f"answer {record!r} matches "
                                  f"{service.answer_not_match!r}")


def _shown(records: list[str]) -> str:
    if not records:
        return "empty answer"
    return "; ".join(records[:3]) + ("; ..." if len(records) > 3 else "")


def build(context: ProbeContext) -> tuple[DnsProbe, ServiceRecorder]:
    return DnsProbe(), service_recorder(context)


KIND = ProbeKind("dns", schedule, build, exposition="collector.exposition.services")
