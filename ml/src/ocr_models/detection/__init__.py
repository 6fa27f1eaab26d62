"""Text-line detection: a CTPN (stride-16 text proposals linked into lines) and its numpy post-processing."""
