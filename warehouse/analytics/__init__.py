"""Pure analytics of the warehouse's own metadata (data quality): polars in, polars out, no I/O."""
