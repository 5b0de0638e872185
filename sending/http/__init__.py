"""Helpers for the HTTP (Web URL) transport."""
