"""The JSON API (/api/v1) for the systems around a programme office, and its personal tokens."""
