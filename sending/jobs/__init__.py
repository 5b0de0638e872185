"""Bulk jobs: creating them (reader, mapping, recipients, importer, totals, schedule, create) and
running them (dispatcher, claim, runner, record, sweeper, control)."""
