"""The status page at `/`: every site's state at a glance, for a phone as much as a desk."""

from collector.status.page import render_page
from collector.status.route import status_routes

__all__ = ["render_page", "status_routes"]
