"""Tickets in the team's tracker: what should be open (conditions), the lifecycle by
fingerprint, and the tracker back ends (docs/tickets.md)."""
