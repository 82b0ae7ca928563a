"""The REST API at /api/v1/ (Django REST framework, OpenAPI 3 by drf-spectacular): a face like the
pages, with the same rules — the policy decides every read and write, status moves through the
workflow, progress through agreements.actions, and a write names the version it was based on
(If-Match). README, "API"."""
