"""System health: the core checks (``checks``); the registry is ``quant.web.health``."""
