"""Microstructure analytics over TAQ-style trades and quotes: cleaning, realized measures, HAR, VPIN, spreads.

Pure polars/numpy functions; no Django, no files. Column conventions (lower case):

* trades: ``ts`` (Datetime, exchange local time, naive), ``symbol``, ``price`` (USD), ``size`` (shares),
  optional ``ex``, ``cond``, ``corr``;
* quotes: ``ts``, ``symbol``, ``bid``, ``ofr`` (USD), ``bidsiz``, ``ofrsiz`` (as reported, TAQ round lots),
  optional ``ex``;
* bars: ``ts`` (bar start), ``symbol``, ``open``, ``high``, ``low``, ``close``, ``volume``, ``vwap``, ``count``.
"""
