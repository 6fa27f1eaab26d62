"""Shared by every ocrmesh service; never imports a service."""
