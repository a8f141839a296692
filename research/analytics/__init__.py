"""Pure alpha-research analytics over polars frames (no Django, no I/O)."""
