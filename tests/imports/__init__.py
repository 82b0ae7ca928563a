"""The spreadsheet round trip: reading files, checking rows, writing, the admin pages, exports."""
