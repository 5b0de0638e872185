"""Admin for the Meta Data registry (data objects)."""
