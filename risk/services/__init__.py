"""Risk services: exposures, risk model builds, portfolios, portfolio reports (they own all writes)."""
