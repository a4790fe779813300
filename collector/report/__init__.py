"""Availability reports: per-site figures from the outage log and the maintenance calendar."""
