"""Platform events: the one place where lower floors announce what happened.

Senders live on the floor where the event happens (the job runner, the warehouse sync, the trading
core); receivers live on higher floors (``alerts`` turns them into alerts at once, without waiting
for the next evaluation on beat). Django signals keep the import arrows pointing down: a sender
never imports its receivers.

Every signal is sent with ``sender`` = the model class (or module name) and the keyword arguments
listed below; receivers must accept ``**kwargs`` so that adding a keyword never breaks them.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A ``quant.Job`` reached status failed. Keywords: ``job`` (the Job row).
job_failed = Signal()

#: A warehouse sync failed or was quarantined. Keywords: ``sync_run`` (the SyncRun row),
#: ``dataset`` (name), ``error`` (one line).
sync_failed = Signal()

#: A dataset version failed validation. Keywords: ``dataset``, ``version``, ``report`` (dict).
validation_failed = Signal()

#: The circuit breaker tripped. Keywords: ``reason``, ``by`` (user name or rule), ``at`` (datetime).
breaker_tripped = Signal()

#: The circuit breaker was reset (armed again). Keywords: ``reason``, ``by``, ``at``.
breaker_reset = Signal()

__all__ = ["breaker_reset", "breaker_tripped", "job_failed", "sync_failed", "validation_failed"]
