"""Bulk send jobs: importing recipients, running jobs on the workers, and what they share."""
