"""Alerting: outages from link and site states, their causes, and the mails about them."""
