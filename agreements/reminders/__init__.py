"""Reminders, exactly once: `deciding` (the sweep: what is due, recorded as Reminder rows with a
unique key), `delivery` (claiming, re-checking, sending, retrying, the dispatcher), `emails` (one
function per e-mail), `digest` (the weekly summary), `tasks` (thin Celery wrappers; they hand the
enqueue function to the sweep and the dispatcher, so nothing here imports `tasks` back).

May import the domain core; not the other capabilities or the faces.
"""
