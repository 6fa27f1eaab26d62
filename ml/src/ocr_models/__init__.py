"""ocrmesh models: text-line recognition (CRNN) and detection (CTPN), data synthesis and training."""
