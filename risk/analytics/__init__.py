"""Pure risk-model analytics: regression, covariance, specific risk, portfolio risk, optimizer, stress."""
