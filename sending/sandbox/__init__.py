"""A small local SMSC for newcomers, demos and tests (`python manage.py smsc_sandbox`)."""

from .server import SandboxOptions, SandboxSmsc

__all__ = ["SandboxSmsc", "SandboxOptions"]
