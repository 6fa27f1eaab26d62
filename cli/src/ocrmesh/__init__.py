"""The `ocrmesh` command line."""
