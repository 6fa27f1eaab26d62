"""ocrmesh recognition service."""
