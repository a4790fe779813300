"""Everything Pantau says in English: mails, the status page, the report."""

from __future__ import annotations

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import Cause, EvidenceKind
from collector.config import LinkKind
from collector.state import LinkState
from collector.words.catalogue import Catalogue, PageWords, ReportWords, Words

# Words more than one medium uses, written once.
SITE = "Site"
LINK = "Link"
SERVICE = "Service"
PLANNED = "Planned"
OUTAGES = "Outages"
YES = "yes"
NO = "no"
UNKNOWN = "unknown"


MAIL = Words(
    headline={
        EventKind.DOWN: "DOWN", EventKind.RECOVERED: "RECOVERED", EventKind.DEGRADED: "DEGRADED",
        EventKind.FLAPPING: "FLAPPING", EventKind.AGENT_SILENT: "AGENT SILENT",
        EventKind.AGENT_BACK: "AGENT BACK", EventKind.REBOOT: "REBOOTED",
        EventKind.REMINDER: "STILL DOWN", EventKind.ERROR: "CANNOT BE CHECKED",
        EventKind.ERROR_CLEARED: "CHECKED AGAIN",
        EventKind.SERVICE_DOWN: "SERVICE DOWN", EventKind.SERVICE_RECOVERED: "SERVICE RECOVERED",
        EventKind.SERVICE_SLOW: "SERVICE SLOW",
        EventKind.CERT_EXPIRING: "CERTIFICATE EXPIRING",
    },
    sentence={
        EventKind.DOWN: "{what} cannot be reached.",
        EventKind.RECOVERED: "{what} is reachable again.",
        EventKind.DEGRADED: "{what} is losing packets or slow.",
        EventKind.FLAPPING: "{what} keeps going down and up again.",
        EventKind.AGENT_SILENT: "The server agent at {what} stopped sending reports.",
        EventKind.AGENT_BACK: "The server agent at {what} sends reports again.",
        EventKind.REBOOT: "Equipment at {what} restarted.",
        EventKind.REMINDER: "{what} still cannot be reached.",
        EventKind.ERROR: ("{what} cannot be checked: Pantau cannot send pings to it from the "
                          "monitoring server. The state of the link itself is unknown."),
        EventKind.ERROR_CLEARED: "{what} can be checked again.",
        EventKind.SERVICE_DOWN: "{what} is not working; the site is still reached.",
        EventKind.SERVICE_RECOVERED: "{what} is working again.",
        EventKind.SERVICE_SLOW: "{what} answers slower than its limit.",
        EventKind.CERT_EXPIRING: ("The TLS certificate of {what} expires soon; renew it before "
                                  "the date so that users see no warning."),
    },
    link_only_down="{what} is down; the site is still reached through another link.",
    stable_again="{what} is stable again after going down and up repeatedly.",
    link_of="link {link} to {title}",
    service_of="the service {service} at {title}",
    failures={"timeout": "no answer in time",
              "dns": "DNS problem (name not found or wrong answer)",
              "connect": "cannot connect", "tls": "TLS or certificate problem",
              "status": "HTTP {code}", "body": "unexpected content in the answer",
              "other": "unrecognised answer"},
    planned_tag="planned",
    sites_affected="{n} sites affected",
    one_site_affected="1 site affected",
    after="after {duration}",
    lasting="for {duration}",
    events="{n} events",
    more_sites="… and {n} more sites",
    more="and {n} more",
    intro="Pantau recorded {n} events:",
    labels={
        "site": SITE, "link": LINK, "started": "Started", "ended": "Ended",
        "duration": "Duration", "lasting": "Lasting", "before": "Before the cut",
        "measured": "Measured", "cause": "Cause", "planned": PLANNED,
        "detail": "Details", "outage": "Outage number", "affected": "Sites affected",
        "agent": "Agent", "device": "Device", "uptime_before": "Up before",
        "changes": "Changes of state", "reason": "Reason", "service": SERVICE,
        "failure": "Problem", "services_affected": "Services affected",
        "cert_expiry": "Expires", "cert_left": "Time left",
        "acked": "Acknowledged",
        "latency": "Answer time", "latency_limit": "Limit",
    },
    yes_planned="yes, scheduled maintenance",
    no=NO,
    cause={
        Cause.POWER: "likely a power cut",
        Cause.LINK: "likely the link itself (cable or radio); the equipment on site stayed up",
        Cause.UNKNOWN: UNKNOWN,
    },
    evidence={
        EvidenceKind.ROUTER_RESTARTED: "router {who} restarted at {time}",
        EvidenceKind.SERVER_BOOTED: "server {who} booted at {time}",
        EvidenceKind.SERVER_REPORTED: "server {who} kept reporting through the gap, no reboot",
    },
    reasons={"no_route": "no route to the address",
             "not_permitted": "refused on the monitoring server (a local firewall rule)",
             "send_failed": "could not be sent"},
    state={"down": "down", "unreachable": "unreachable, behind the site that is down",
           "recovered": "recovered", "up": "up", "degraded": "degraded",
           "unknown": UNKNOWN, "error": "cannot be checked"},
    quality="loss {loss}, RTT {rtt}",
    footer="Sent automatically by Pantau. Times in {zone}.",
    status_link="Status page: {url}",
    ack_button="Take it",
    ack_button_for="Take it: {what}",
    ack_line="✅ Taken in hand by {by}, {time}",
    ack_line_for="✅ Outage #{outage} taken in hand by {by}, {time}",
    ack_recorded="Noted: outage #{outage} is yours.",
    ack_already="Outage #{outage} is already in the hands of {by}.",
    ack_over="Outage #{outage} is over.",
    test_subject="[Pantau] Test mail",
    test_text=("This is a test mail from Pantau on {host}, sent {time} through {server}.\n"
               "If it arrived, outage mails will arrive too.\n"),
    test_message=("A test message from Pantau on {host}, sent {time} through {channel}. If it "
                  "arrived, outage alerts will arrive too."),
    units=("d", "h", "min", "s"),
    decimal=".",
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
            "Dec"),
    days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    time_format="{day} {date} {month} {year} {hour:02d}:{minute:02d}:{second:02d} {zone}",
    clock_format="{hour:02d}:{minute:02d}:{second:02d} {zone}",
)


PAGE = PageWords(
    lang="en",
    heading="Network status",
    state={LinkState.UP: "UP", LinkState.DEGRADED: "DEGRADED", LinkState.DOWN: "DOWN",
           LinkState.UNREACHABLE: "UNREACHABLE", LinkState.UNKNOWN: "UNKNOWN",
           LinkState.ERROR: "CANNOT BE CHECKED"},
    count={LinkState.UP: "{n} up", LinkState.DEGRADED: "{n} degraded",
           LinkState.DOWN: "{n} down", LinkState.UNREACHABLE: "{n} unreachable",
           LinkState.UNKNOWN: "{n} unknown",
           LinkState.ERROR: "{n} cannot be checked"},
    problems="Problems",
    unknown="Not judged yet",
    healthy="Up",
    rendered="Updated {time}",
    since="since {time} ({span})",
    acked="Taken in hand by {by} since {time}",
    behind="Cut off behind it: {n} sites",
    link=LINK,
    service=SERVICE,
    problem="Last problem",
    loss="Loss",
    rtt="RTT",
    kind={LinkKind.FIBER: "fiber", LinkKind.WIRELESS: "wireless"},
    via="via {parent}",
    direct="direct",
    no_round="no round yet",
    footer=("The page reloads every {seconds} s. Loss and RTT (median) are from the last "
            "ping round. Times in {zone}."),
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
            "Dec"),
    clock="{hour:02d}:{minute:02d}",
    clock_seconds="{hour:02d}:{minute:02d}:{second:02d}",
)


REPORT = ReportWords(
    mail=MAIL,
    title="Network Availability Report",
    subtitle="Pantau network monitoring",
    period="Period",
    so_far="up to the time of this report",
    generated="Generated",
    summary={"network": "Whole network availability", "sites": "Sites",
             "outages": OUTAGES, "downtime": "Total downtime",
             "planned": "Planned maintenance", "worst": "Lowest",
             "coverage": "Of the period monitored", "unmonitored": "Total not monitored"},
    clean_sites="{n} without outages",
    table_title="Every site, lowest first",
    columns={"site": SITE, "availability": "Availability", "downtime": "Downtime",
             "outages": OUTAGES, "longest": "Longest", "mttr": "Mean time to recover",
             "planned": PLANNED, "monitored": "Monitored",
             "unmonitored": "Not monitored"},
    bar_scale="Bar length: scale 90–100%.",
    grades={"good": "good", "fair": "needs attention", "poor": "poor", "none": "no data"},
    definition=("Availability = 1 − downtime ÷ (monitored time − planned maintenance). "
                "Monitored time: while Pantau ran and checked the site on time, plus downtime; "
                "the rest (Pantau stopped, starting, or the site could not be checked) is not "
                "monitored and counts neither way. Only time when the site could not be reached "
                "at all is downtime; one link down while a backup link still works is not."),
    timeline="By day",
    legend={"none": "no outage", "short": "down < 5 min", "medium": "down < 1 h",
            "long": "down ≥ 1 h", "planned": "maintenance only",
            "unmonitored": "mostly not monitored", "future": "not yet"},
    day_tip={"down": "down {span}", "planned": "maintenance {span}", "none": "no outage",
             "unmonitored": "not monitored {span}", "future": "not yet"},
    outage_columns={"start": "Start", "end": "End", "duration": "Duration",
                    "counted": "Downtime this month", "cause": "Cause", "planned": PLANNED},
    ongoing="ongoing",
    yes=YES,
    no=NO,
    cause={Cause.LINK: "link cut", Cause.POWER: "power cut", Cause.UNKNOWN: UNKNOWN},
    behind="unreachable behind {site}",
    no_outages="No outages in this period.",
    maintenance="Scheduled maintenance",
    not_judged="no monitored time",
    services="Services",
    service_columns={"service": SERVICE, "availability": "Service availability",
                     "downtime": "Service downtime", "outages": OUTAGES,
                     "longest": "Longest", "site_downtime": "Unreachable (site down)"},
    services_note=("A service's availability counts its own failures while its site was "
                   "reached. Time it was unreachable because its site was down counts as the "
                   "site's downtime, not the service's, and is shown apart."),
    clock=":",
)


CATALOGUE = Catalogue(mail=MAIL, page=PAGE, report=REPORT)
