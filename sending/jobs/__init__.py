"""Bulk send jobs: creating them (reader, mapping, recipients, importer, totals, schedule,
create), running them on the workers (dispatcher, claim, runner, record, sweeper, control), what
the workers and the receiver share (throttle, leases, session_pool) and watching them (watch,
chart, export)."""
