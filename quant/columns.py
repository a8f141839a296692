"""Column-name constants shared by the warehouse, analytics and services.

Identifiers are CRSP PERMNO and Compustat GVKEY, never tickers.
"""

from __future__ import annotations

from typing import Final

DATE: Final = "date"
PERMNO: Final = "permno"
GVKEY: Final = "gvkey"
TICKER: Final = "ticker"
RET: Final = "ret"
RETX: Final = "retx"
DLRET: Final = "dlret"
TOTAL_RET: Final = "total_ret"  # (1+ret)(1+dlret)-1 on the delisting day, ret otherwise
PRC: Final = "prc"
SHROUT: Final = "shrout"
VOL: Final = "vol"
MKTCAP: Final = "mktcap"  # dollars: abs(prc) * shrout * 1000
EXCHCD: Final = "exchcd"
SHRCD: Final = "shrcd"
SICCD: Final = "siccd"
SECTOR: Final = "sector"  # GICS sector code (gsector)
DATADATE: Final = "datadate"
RDQ: Final = "rdq"
AVAILABLE: Final = "available_date"  # first date a fundamental value was public
ASSET: Final = "asset"  # generic identifier in user-supplied long files
VALUE: Final = "value"
PRICE: Final = "price"
RETURN: Final = "return"
