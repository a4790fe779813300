"""Settings every test run shares."""

import os

# The example configuration reads its secrets from the environment, as a real
# deployment would; these stand in for them wherever the example is validated.
EXAMPLE_SECRETS = {
    "PANTAU_SNMP_COMMUNITY": "example-community",
    "PANTAU_SNMP_CORE_AUTH": "example-auth-key",
    "PANTAU_SNMP_CORE_PRIV": "example-priv-key",
    "PANTAU_AGENT_TOKEN_WEB_BAPPEDA": "example-agent-token",
    "PANTAU_SMTP_PASSWORD": "example-smtp-password",
    "PANTAU_TELEGRAM_TOKEN": "123456:example-bot-token",
    "PANTAU_WEBHOOK_SECRET": "example-webhook-secret",
    "PANTAU_SATELLITE_TOKEN_MAMUJU": "example-satellite-token",
}
for _name, _value in EXAMPLE_SECRETS.items():
    os.environ.setdefault(_name, _value)
