"""The domain core: models and their constraints, the policy, the workflow, migrations, the data version."""
