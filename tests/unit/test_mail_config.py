"""The `mail` section: what a file resolves to (its mistakes are in the invalid-mail-* fixtures)."""

from __future__ import annotations

import pytest

from collector.config import parse_config_text
from collector.config.mail import MailLanguage, MailSettings, SmtpSecurity

pytestmark = pytest.mark.unit

SITES = """
sites:
  - name: diskominfo
    notify: [opd]
    links: [{name: fo, kind: fiber, targets: [192.0.2.10]}]
"""


def test_without_a_mail_section_nothing_is_sent() -> None:
    mail = parse_config_text(SITES.replace("    notify: [opd]\n", ""), "collector.yml").mail
    assert mail == MailSettings()
    assert not mail.enabled
    assert (mail.smtp.host, mail.smtp.security, mail.smtp.port) == (None, "starttls", 587)
    assert (mail.smtp.timeout, mail.retry.first, mail.retry.max) == (10.0, 30.0, 1800.0)
    assert (mail.sender, mail.language, mail.groups) == (None, MailLanguage.ID, {})


@pytest.mark.parametrize(("written", "security", "port"), [
    ("{}", SmtpSecurity.STARTTLS, 587),
    ("{security: tls}", SmtpSecurity.TLS, 465),
    ("{security: none}", SmtpSecurity.NONE, 25),
    ("{security: tls, port: 2465}", SmtpSecurity.TLS, 2465),
])
def test_the_port_follows_the_security_unless_written(written: str, security: SmtpSecurity,
                                                      port: int) -> None:
    text = f"mail:\n  smtp: {written}\n  groups: {{opd: [it@example.org]}}\n{SITES}"
    smtp = parse_config_text(text, "collector.yml").mail.smtp
    assert (smtp.security, smtp.port) == (security, port)


def test_a_complete_section_loads_and_hides_the_password() -> None:
    text = """
mail:
  enabled: true
  smtp: {host: mail.example.org, username: pantau, password: rahasia, ca_file: /etc/ca.pem,
         timeout: 5s}
  from: pantau@kominfo.example.org
  language: en
  groups: {central: [noc@kominfo.example.org], opd: [it@diskominfo.example.org]}
  retry: {first: 10s, max: 10m}
""" + SITES
    config = parse_config_text(text, "collector.yml")
    mail = config.mail
    assert mail.enabled and mail.sender == "pantau@kominfo.example.org"
    assert mail.smtp.password is not None and mail.smtp.password.reveal() == "rahasia"
    assert "rahasia" not in repr(mail) and "rahasia" not in str(config.model_dump())
    assert mail.groups["opd"] == ("it@diskominfo.example.org",)
    assert (mail.retry.first, mail.retry.max) == (10.0, 600.0)
    assert config.site("diskominfo").notify == ("opd",)
