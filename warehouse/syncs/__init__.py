"""Sync orchestration: resumable full syncs, incremental syncs from watermarks, SyncRun records."""
