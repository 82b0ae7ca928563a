"""The Django admin: every admin path asks the policy (the derived authorization matrix)."""
