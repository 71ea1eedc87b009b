"""Honcho's domain on top of the store: what the real server derives from the stored records."""
