"""The officer workspace, the web face of the tracker: URLs and thin views (`urls`, `views`,
`milestone_views`, `dashboard`, `preferences`), the agreement page's loader and renderer
(`agreement_page`), what My work lists (`workspace`), the timeline (`timeline`), forms, the list's
filter chips and counts (`list_links`, `list_counts`).

A view asks agreements.policy once (`policy.rights_on`) and hands the answer to the page; changes go
through agreements.actions and agreements.workflow. May import everything below it; nothing
imports it.
"""
