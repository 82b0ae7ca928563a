"""ZIP containers (DOCX, XLSX) measured before anything opens them.

Opening a zip (`zipfile.ZipFile`) reads its whole central directory at once, one `ZipInfo`
of several hundred bytes per member, before anybody can count the members: a 20 MB upload
made of 400,000 empty members costs about 160 MB and many seconds just to open. The
directory's size is written in the end-of-central-directory record, a few bytes at the end
of the file, and Python's reader parses exactly that many bytes of directory. So it is read
first — with the function the reader itself uses (`zipfile._EndRecData`, Zip64 records
included), so the number checked is the number the reader acts on — and a directory no
real Office file needs is refused before the zip is opened.
"""
from __future__ import annotations

import zipfile
from typing import IO

# A real workbook or document has a few dozen parts (a big workbook some hundreds), each
# described in ~50-150 bytes of directory.
MAX_MEMBERS = 2000
MAX_DIRECTORY_BYTES = 512 * 1024


def directory_size(stream: IO[bytes]) -> tuple[int, int] | None:
    """(members, directory bytes) a zip declares, or None if the stream is not a zip.
    Reads only the end of the stream, and puts the position back at the start."""
    try:
        record = zipfile._EndRecData(stream)  # noqa: SLF001 (see the module docstring)
    except (OSError, ValueError):
        record = None
    finally:
        stream.seek(0)
    if not record:
        return None
    return record[zipfile._ECD_ENTRIES_TOTAL], record[zipfile._ECD_SIZE]  # noqa: SLF001


def is_oversized_directory(stream: IO[bytes]) -> bool:
    size = directory_size(stream)
    return size is not None and (size[0] > MAX_MEMBERS or size[1] > MAX_DIRECTORY_BYTES)
