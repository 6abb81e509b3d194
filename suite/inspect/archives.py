"""Unpack a user's zip onto disk without trusting it: names, sizes, counts and ratios are all checked.

A zip is refused whole, before anything is written, when its central directory names more members than
`ZipLimits.members`, a member whose path would leave the target folder (absolute, `..`, a drive), a link, an
encrypted member, or sizes that add up to more than the limits (in total, per member, or a compression ratio
no real image or label file reaches). Members are then streamed to disk in chunks and counted again while
they are written, since headers can lie; the first limit crossed stops the extraction. The caller removes
the target folder when this raises (see `dataset.import_dataset` and `images.expand_upload`).

Example:
    >>> written = extract_zip(Path("set.zip"), Path("/tmp/ours"), name="set.zip")
"""

from __future__ import annotations

import errno
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from suite.errors import InvalidInput, SuiteError
from suite.uploads import safe_name

CHUNK = 1 << 20  # bytes read and written at a time: memory stays flat whatever a member inflates to
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_DIRECTORY_BYTES_PER_MEMBER = 256  # a central directory entry is 46 bytes plus its name and extras
_SKIPPED_PARTS = {"__MACOSX"}  # the resource forks macOS adds to zips it makes


@dataclass(frozen=True)
class ZipLimits:
    """What one zip may unpack to. The defaults fit a training set or a batch that fits in one upload."""

    members: int = 20_000
    total_bytes: int = 1 << 30  # 1 GiB unpacked in all
    member_bytes: int = 300 << 20  # the largest single file (a big uncompressed TIFF)
    ratio: float = 100.0  # unpacked / packed size of one member: photos are ~1, labels a few
    ratio_from: int = 1 << 20  # small members (label files) may compress better than `ratio`


LIMITS = ZipLimits()


def describe(limits: ZipLimits = LIMITS) -> str:
    """The limits in words, for an uploader's help text."""
    return (
        f"A zip may hold up to {limits.members:,} files and unpack to {limits.total_bytes >> 20:,} MB "
        f"(each file up to {limits.member_bytes >> 20} MB)."
    )


def extract_zip(
    source: Path | BinaryIO,
    target: Path,
    *,
    name: str,
    wanted: Callable[[str], bool] = lambda member: True,
    limits: ZipLimits = LIMITS,
) -> list[tuple[str, Path]]:
    """Write the wanted members of a zip under `target` (created); returns (member name, path) in zip order.

    Member paths become safe names inside `target` (each part through `suite.uploads.safe_name`), so nothing
    is ever written outside it. Hidden files and `__MACOSX/` are skipped.

    Raises:
        InvalidInput: the zip is unreadable, empty of wanted files, or crosses a limit (nothing is kept for
            the caller to use; it removes `target`).
    """
    try:
        with zipfile.ZipFile(_checked_directory(source, name, limits)) as archive:
            plan = _plan(archive, name, wanted, limits, _size_of(source))
            target.mkdir(parents=True, exist_ok=True)
            written = []
            total = 0
            for member, parts in plan:
                dest = target.joinpath(*parts)
                if not dest.resolve().is_relative_to(target.resolve()):  # cannot happen with safe parts; kept
                    raise InvalidInput(f"{name} contains an unsafe path: {_shown(member.filename)}.")
                dest.parent.mkdir(parents=True, exist_ok=True)
                total += _stream(archive, member, dest, name, limits, total)
                written.append((member.filename, dest))
            return written
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, struct.error) as err:
        raise InvalidInput(f"{name} is not a readable zip file ({_one_line(err)}).") from err
    except NotImplementedError as err:  # a compression method Python does not read
        raise InvalidInput(f"{name} uses a compression method we cannot read; zip it again with Deflate.") from err
    except RuntimeError as err:  # an encrypted member
        raise InvalidInput(f"{name} is password-protected; upload a zip without a password.") from err
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT):  # not the upload's fault: say so plainly
            raise SuiteError(f"There is no room left on disk to unpack {name}; free some space and retry.") from err
        raise InvalidInput(f"{name} could not be unpacked ({_one_line(err)}).") from err


def _size_of(source: Path | BinaryIO) -> int:
    if isinstance(source, Path):
        return source.stat().st_size
    position = source.tell()
    size = source.seek(0, os.SEEK_END)
    source.seek(position)
    return size


def _checked_directory(source: Path | BinaryIO, name: str, limits: ZipLimits) -> Path | BinaryIO:
    """Refuse a zip whose end record announces too many members, before `zipfile` reads them all into memory."""
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        entries, directory_bytes = _end_record(handle)
    finally:
        if isinstance(source, Path):
            handle.close()
        else:
            source.seek(0)
    if entries > limits.members:
        raise InvalidInput(f"{name} holds {entries:,} files; the limit is {limits.members:,} a zip. Split it up.")
    # the count in the end record can be wrong: zipfile reads the whole directory, one object per entry
    if directory_bytes > limits.members * _DIRECTORY_BYTES_PER_MEMBER:
        raise InvalidInput(f"{name} lists more files than the {limits.members:,} a zip may hold. Split it up.")
    return source


def _end_record(handle: BinaryIO) -> tuple[int, int]:
    """(entries, central directory bytes) from the end-of-central-directory record (zip64 too); (0, 0) if none."""
    size = handle.seek(0, os.SEEK_END)
    tail_start = max(0, size - (22 + 0xFFFF))
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return 0, 0  # zipfile says why it is not a zip
    entries, directory_bytes = struct.unpack("<HL", tail[at + 10 : at + 16])
    locator = tail[at - 20 : at] if at >= 20 else b""
    if locator[:4] == _EOCD64_LOCATOR:  # zip64: its record has the real numbers (zipfile reads that one too)
        (record_at,) = struct.unpack("<Q", locator[8:16])
        handle.seek(record_at)
        record = handle.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            entries64, directory64 = struct.unpack("<QQ", record[32:48])
            entries = entries64 if entries == 0xFFFF else max(entries, entries64)
            directory_bytes = directory64 if directory_bytes == 0xFFFFFFFF else max(directory_bytes, directory64)
    return entries, directory_bytes


def _plan(
    archive: zipfile.ZipFile, name: str, wanted: Callable[[str], bool], limits: ZipLimits, archive_bytes: int
) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """The members to write with their safe path parts, after every check the central directory allows."""
    members = archive.infolist()
    if len(members) > limits.members:
        raise InvalidInput(f"{name} holds {len(members):,} files; the limit is {limits.members:,} a zip.")
    plan = []
    seen: set[tuple[str, ...]] = set()
    total = packed = 0
    for member in members:
        parts = _parts(member.filename, name)
        if member.is_dir() or parts is None:
            continue
        if stat.S_ISLNK(member.external_attr >> 16):
            raise InvalidInput(f"{name} contains a link ({_shown(member.filename)}); zip the files themselves.")
        if member.flag_bits & 0x1:
            raise InvalidInput(f"{name} is password-protected; upload a zip without a password.")
        if not wanted(member.filename):
            continue
        if member.file_size > limits.member_bytes:
            raise InvalidInput(
                f"{name}: {_shown(member.filename)} unpacks to {member.file_size >> 20:,} MB; "
                f"the limit is {limits.member_bytes >> 20} MB a file."
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ratio_from and ratio > limits.ratio:
            raise InvalidInput(
                f"{name}: {_shown(member.filename)} would unpack to {ratio:,.0f} "
                "times its packed size, which no image does (a zip bomb?); it was not unpacked."
            )
        total += member.file_size
        packed += member.compress_size
        if total > limits.total_bytes:
            raise InvalidInput(
                f"{name} unpacks to more than {limits.total_bytes >> 20:,} MB; split it into smaller zips."
            )
        if packed > archive_bytes:
            raise InvalidInput(f"{name} has members that overlap or claim more data than the file holds (a zip bomb?).")
        key = tuple(part.lower() for part in parts)
        if key in seen:
            raise InvalidInput(f"{name} contains two files that would be named {'/'.join(parts)}.")
        seen.add(key)
        plan.append((member, parts))
    return plan


def _parts(filename: str, name: str) -> list[str] | None:
    """A member's path as safe parts; None for members we skip; refuses paths that try to leave the folder."""
    raw = filename.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or ".." in PurePosixPath(raw).parts:
        raise InvalidInput(f"{name} contains an unsafe path: {_shown(filename)}.")
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if not parts or any(part.startswith(".") or part in _SKIPPED_PARTS for part in parts):
        return None
    return [safe_name(part) for part in parts]


def _stream(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, dest: Path, name: str, limits: ZipLimits, so_far: int
) -> int:
    """Copy one member to `dest` in chunks, enforcing the limits on the bytes that really come out."""
    allowed = min(member.file_size, limits.member_bytes, limits.total_bytes - so_far)
    most_by_ratio = max(limits.ratio_from, limits.ratio * max(member.compress_size, 1))
    written = 0
    with archive.open(member) as src, open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            written += len(chunk)
            if written > allowed or written > most_by_ratio:
                raise InvalidInput(
                    f"{name}: {_shown(member.filename)} unpacks to more than its header says (a zip bomb?); "
                    "it was not unpacked."
                )
            out.write(chunk)
    return written


def _shown(filename: str) -> str:
    """A member name fit for a one-line message."""
    return _one_line(filename)[:200]


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
