"""Saved results: what ``attribution``, ``perf_report`` and ``alpha_report`` store with ``--save``.

One model (``quant.models.SavedResult``), one write path (:mod:`quant.saved.services`), one set of
reads (:mod:`quant.saved.selectors`) and the "My saved results" list (:mod:`quant.saved.views`).
The app that owns a kind registers the page that shows it (:mod:`quant.saved.pages`).
"""
