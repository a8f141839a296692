"""System health: a registry of checks (``registry``) and the core checks (``checks``)."""
