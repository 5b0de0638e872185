"""Bulk jobs: creating them (reader, mapping, recipients, importer, totals, schedule, create)."""
