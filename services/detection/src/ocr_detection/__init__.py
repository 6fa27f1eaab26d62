"""ocrmesh detection service."""
