"""The managers' dashboard: `figures` (every aggregate, through the list's filters over what the
user may see), `drilldown` (each number's link to the list behind it), `cache` (figures kept until
the data version changes), `charts` (SVG drawn on the server), `changes` (what changed since a
day) and `as_of` (the main figures on a past day, from the history).

May import the domain core; not the other capabilities or the faces.
"""
