"""Bulk send jobs: creating them (reader, mapping, recipients, importer, totals, schedule,
create), running them on the workers (dispatcher, claim, runner, record, sweeper, control) and
what the workers share (throttle, leases, session_pool)."""
