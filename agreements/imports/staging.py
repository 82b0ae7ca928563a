"""Keeping an uploaded import between its preview (a dry run) and the confirmation.

The admin shows what a file would do, then imports the *same bytes* when the person
confirms; uploading again could pick another file. The bytes wait in the private storage
(never served; shared between web machines, see README "Deploying") under the user's id
and a random token, so nobody can confirm someone else's upload. Leftovers older than a
day are swept on the next upload.
"""
from __future__ import annotations

import datetime
import json
import re
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from agreements.imports.files import Upload

ROOT = "imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP = datetime.timedelta(days=1)


def _folder(user, token: str) -> str:
    if not TOKEN_RE.match(token or ""):
        raise ValueError("bad token")
    return f"{ROOT}/{int(user.pk)}/{token}"


def stage(user, uploads: dict[str, Upload]) -> str:
    sweep()
    token = secrets.token_urlsafe(24)
    folder = _folder(user, token)
    names = {}
    for kind, upload in uploads.items():
        default_storage.save(f"{folder}/{kind}", ContentFile(upload.data))
        names[kind] = upload.name
    default_storage.save(f"{folder}/names.json", ContentFile(json.dumps(names).encode()))
    return token


def load(user, token: str) -> dict[str, Upload] | None:
    """The staged uploads, or None if the token is unknown, expired or someone else's."""
    try:
        folder = _folder(user, token)
        with default_storage.open(f"{folder}/names.json") as handle:
            names = json.loads(handle.read())
        uploads = {}
        for kind, name in names.items():
            with default_storage.open(f"{folder}/{kind}") as handle:
                uploads[kind] = Upload(name, handle.read())
        return uploads
    except (ValueError, OSError):
        return None


def discard(user, token: str) -> None:
    try:
        folder = _folder(user, token)
    except ValueError:
        return
    _remove(folder)


def _remove(folder: str) -> None:
    """The staged files and their folder (FileSystemStorage deletes an empty directory)."""
    try:
        for name in default_storage.listdir(folder)[1]:
            default_storage.delete(f"{folder}/{name}")
        default_storage.delete(folder)
    except OSError:
        pass


def sweep(now: datetime.datetime | None = None) -> None:
    cutoff = (now or timezone.now()) - KEEP
    try:
        users = default_storage.listdir(ROOT)[0]
    except OSError:
        return
    for user_folder in users:
        try:
            tokens = default_storage.listdir(f"{ROOT}/{user_folder}")[0]
        except OSError:  # removed by a sweep running at the same time
            continue
        for token in tokens:
            folder = f"{ROOT}/{user_folder}/{token}"
            try:
                if default_storage.get_modified_time(f"{folder}/names.json") < cutoff:
                    _remove(folder)
            except OSError:
                _remove(folder)
