"""Bulk send jobs: creating them (reader, mapping, recipients, importer, totals, schedule, create)
and what the workers running them and the receiver share (throttle, leases, session_pool)."""
