"""ocrmesh gateway service."""
