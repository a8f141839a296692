"""Tax pages: accounts, lots, realized gains, wash sales, imports, sales and exports."""
