"""The snmpd.conf a test agent runs with (see ``tests.support.snmpd.SnmpAgent``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# (user, auth passphrase, priv passphrase): the SNMPv3 authPriv user, SHA and AES, that the
# benchmark's snmp_exporter module if_mib_v3 uses too.
V3User = tuple[str, str, str]
BENCH_V3_USER: V3User = ("benchv3", "benchauthpass", "benchprivpass")

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
# SNMP-FRAMEWORK-MIB::snmpEngine; written in two parts so that no line reads like an IPv4
# address to tools that look for private ones.
SNMP_ENGINE = "1.3.6.1.6.3.10" + ".2.1"
ENGINE_ID = SNMP_ENGINE + ".1.0"
IFXTABLE = "1.3.6.1.2.1.31"
VIEW = "pantau"

_OID = re.compile(r"^\.?\d+(\.\d+)*$")
# snmpd.conf has no quoting that survives every directive; keep values to what needs none.
_PLAIN = re.compile(r"^[\w.@:/+-]+$")


@dataclass(frozen=True)
class PassPersist:
    prefix: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class AgentConfig:
    community: str
    v3_user: V3User | None
    sys_name: str
    sys_descr: str
    without_ifxtable: bool
    pass_persist: tuple[PassPersist, ...]
    engine_id: str


def render(config: AgentConfig) -> str:
    """The config text; raises ValueError for a value snmpd would misread.

    The listening address is not here but on snmpd's command line, which overrides any
    agentAddress and so keeps a config from ever opening port 161.
    """
    _plain("community", config.community)
    _plain("engine id", config.engine_id)
    for label, text in (("sysName", config.sys_name), ("sysDescr", config.sys_descr)):
        if "\n" in text or not text.strip():
            raise ValueError(f"{label} must be one non-empty line, got {text!r}")
    lines = [
        f"engineID {config.engine_id}",
        f"view {VIEW} included .1",
    ]
    if config.without_ifxtable:
        lines.append(f"view {VIEW} excluded .{IFXTABLE}")
    lines.append(f"rocommunity {config.community} default -V {VIEW}")
    if config.v3_user is not None:
        user, auth, priv = config.v3_user
        for label, value in (("v3 user", user), ("auth passphrase", auth),
                             ("priv passphrase", priv)):
            _plain(label, value)
        if len(auth) < 8 or len(priv) < 8:
            raise ValueError("SNMPv3 passphrases need at least 8 characters")
        lines += [f"createUser {user} SHA {auth} AES {priv}", f"rouser {user} priv -V {VIEW}"]
    lines += [
        f"sysName {config.sys_name}",
        f"sysDescr {config.sys_descr}",
        "sysLocation Pantau test network",
        "sysContact noc@pantau.invalid",
        # One log line per request would bury snmpd's own messages.
        "dontLogTCPWrappersConnects yes",
    ]
    for handler in config.pass_persist:
        if not _OID.match(handler.prefix):
            raise ValueError(f"pass_persist prefix {handler.prefix!r} is not a numeric OID")
        if not handler.argv or any(not arg or any(c.isspace() for c in arg)
                                   for arg in handler.argv):
            # snmpd splits the command at white space and has no quoting.
            raise ValueError(f"pass_persist argv {handler.argv!r}: every argument must be "
                             "non-empty and without white space")
        lines.append(f"pass_persist .{handler.prefix.lstrip('.')} {' '.join(handler.argv)}")
    return "\n".join(lines) + "\n"


def _plain(label: str, value: str) -> None:
    if not _PLAIN.match(value):
        raise ValueError(f"{label} {value!r}: use letters, digits and . @ : / + - _ only")
