"""External data sources feeding the warehouse (WRDS, Ken French, yfinance, demo)."""
