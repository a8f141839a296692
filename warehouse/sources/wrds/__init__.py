"""WRDS (Wharton Research Data Services) source: client wrapper, the SQL per dataset, type mapping."""
