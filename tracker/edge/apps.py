from django.apps import AppConfig


class EdgeConfig(AppConfig):
    name = "tracker.edge"
    label = "edge"
    verbose_name = "Request edge and sign-in"

    def ready(self) -> None:
        from tracker.edge import languages, security  # noqa: F401  (connect their sign-in receivers)
