"""Date, time and number formats per language (FORMAT_MODULE_PATH), over Django's own.

Templates and code name formats (`DATE_FORMAT`, `SHORT_DATE_FORMAT`, `MONTH_DAY_FORMAT`,
`YEAR_MONTH_FORMAT`, `DATETIME_FORMAT`, `TIME_FORMAT`), never a pattern, so each language writes
dates its own way: 20 December 2025 · 20 декабря 2025 г. · 2025年12月20日. Weeks start on Monday
everywhere (the date pickers of the admin). Exports keep machine formats (ISO dates, plain numbers).
"""
