"""Reminders: deciding, delivering (with a real SMTP server and Celery workers), e-mails, the digest."""
