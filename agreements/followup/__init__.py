"""Follow-up beyond the workflow status: stage ladders per kind of agreement (`stages`) and
dependencies between agreements and milestones (`dependencies`)."""
