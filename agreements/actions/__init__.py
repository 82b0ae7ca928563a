"""The changes people make to an agreement beyond its status: record progress, add, edit, complete
and waive milestones, reassign owner and team, store documents, and the optimistic version check
every editing form goes through (`editing`).

Plain functions the web pages, the admin and (later) the API all call; each asks agreements.policy
itself, so no caller can skip it. May import the domain core (models, policy, workflow, archives);
nothing of the capabilities or faces.
"""
