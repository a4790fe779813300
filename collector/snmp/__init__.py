"""SNMP polling: profiles (what to read), the client (how), the poller and device state."""
