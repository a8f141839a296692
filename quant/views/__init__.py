"""Pages of the shared core: strategies (``strategies``) and the audit log browser (``audit``)."""
