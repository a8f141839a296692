"""Unified market-data access: a `DataProvider` protocol, CRSP and yfinance providers, a fallback chain
and per-provider usage metrics. Start from `warehouse.providers.factory.get_provider()`."""
