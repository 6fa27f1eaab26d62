"""ocrmesh image-store: stores uploaded images, their OCR data and corrections; serves them back."""
