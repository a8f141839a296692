"""Pure tax-lot analytics (no Django): wash sales, lot relief."""
