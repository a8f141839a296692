"""One date format across the console: ISO 8601 (a date or datetime printed without an explicit
format, e.g. ``{{ date }}``, reads ``2024-12-31`` / ``2024-12-31 16:00``, never "Dec. 31, 2024")."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
