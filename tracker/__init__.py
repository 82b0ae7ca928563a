# Load the Celery app with Django so that `shared_task` binds to it and
# `celery -A tracker` finds it.
from tracker.celery import app as celery_app

__all__ = ["celery_app"]
