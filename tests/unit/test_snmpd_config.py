"""The snmpd.conf that test agents run with."""

from __future__ import annotations

import pytest

from tests.support.snmpd_config import BENCH_V3_USER, AgentConfig, PassPersist, render

pytestmark = pytest.mark.unit


def config(**changes) -> AgentConfig:
    base = {"community": "public", "v3_user": BENCH_V3_USER, "sys_name": "relay-radio",
            "sys_descr": "RouterOS RB912", "without_ifxtable": False, "pass_persist": (),
            "engine_id": "16161-abc"}
    return AgentConfig(**{**base, **changes})


def test_v2c_and_v3_both_read_only_through_one_view():
    lines = render(config()).splitlines()
    assert "rocommunity public default -V pantau" in lines
    assert "createUser benchv3 SHA benchauthpass AES benchprivpass" in lines
    assert "rouser benchv3 priv -V pantau" in lines
    assert not any(line.startswith(("agentAddress", "rwcommunity", "rwuser")) for line in lines)


def test_without_ifxtable_excludes_it_from_the_view():
    assert "view pantau excluded .1.3.6.1.2.1.31" in render(config(without_ifxtable=True))
    assert "excluded" not in render(config())


def test_no_v3_user_means_no_v3_access():
    text = render(config(v3_user=None))
    assert "createUser" not in text and "rouser" not in text


def test_pass_persist_lines():
    text = render(config(pass_persist=(
        PassPersist("1.3.6.1.4.1.14988", ("/usr/bin/python3", "-m", "sim", "/tmp/s.json")),)))
    assert "pass_persist .1.3.6.1.4.1.14988 /usr/bin/python3 -m sim /tmp/s.json" in text


@pytest.mark.parametrize(("changes", "message"), [
    ({"community": "pub lic"}, "community"),
    ({"v3_user": ("u", "short", "benchprivpass")}, "at least 8"),
    ({"sys_name": "two\nlines"}, "sysName"),
    ({"pass_persist": (PassPersist("enterprises", ("/bin/sim",)),)}, "numeric OID"),
    ({"pass_persist": (PassPersist("1.3.6.1", ("/a b/sim",)),)}, "white space"),
    ({"pass_persist": (PassPersist("1.3.6.1", ()),)}, "white space"),
])
def test_values_snmpd_would_misread_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        render(config(**changes))
