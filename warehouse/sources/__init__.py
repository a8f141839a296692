"""Data sources feeding the warehouse (parsers and sync clients)."""
