"""Bulk jobs: creating them (reader, mapping, recipients, importer, totals, schedule, create),
running them on the workers, and what they share (bind leases)."""
