"""A project's files: a small storage interface with folders, and its local-folder implementation."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable
from urllib.parse import quote

DEFAULT_FILES_DIR = "var/files"
DEFAULT_FILES_URL = "http://127.0.0.1:8000/files"

# The content type of a stored file lives beside it in a hidden file; stored names never start with a dot.
_TYPE_SUFFIX = ".content-type"
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class UnsafePath(ValueError):
    """A file or folder id that would leave the storage root, or a name that cannot be stored."""


@dataclass(frozen=True)
class StoredFile:
    id: str
    name: str
    content_type: str
    size: int


@runtime_checkable
class FileStorage(Protocol):
    """Where a project's files live: folders of files, each file with a stable id and a URL."""

    def create_folder(self, name: str, parent: str | None = None) -> str:
        """The id of folder `name` under `parent` (the root when None), created if missing."""
        ...

    def write(self, folder_id: str, filename: str, data: bytes, content_type: str) -> str:
        """Store `data` as `filename` in the folder, replacing a file of that name; return its id."""
        ...

    def read(self, file_id: str) -> bytes:
        """The bytes of a stored file; FileNotFoundError when there is none."""
        ...

    def list(self, folder_id: str) -> list[StoredFile]:
        """The files directly in a folder, sorted by name."""
        ...

    def url(self, file_id: str) -> str:
        """Where a person can fetch the file."""
        ...

    def exists(self, file_or_folder_id: str) -> bool:
        """Whether a file or folder with this id is stored."""
        ...


def project_folder_name(project_id: int | str) -> str:
    """The name of a project's top-level folder."""
    return f"project-{project_id}"


def safe_name(name: str) -> str:
    """`name` as a single path component: letters, digits, dot, dash and underscore, never hidden."""
    cleaned = _UNSAFE_CHARS.sub("-", name.strip())
    cleaned = re.sub(r"-+(?=\.)|(?<=\.)-+", "", cleaned).lstrip("-.").rstrip("-")
    if not cleaned:
        raise UnsafePath(f"'{name}' cannot be used as a file or folder name")
    return cleaned


def check_id(file_id: str) -> PurePosixPath:
    """`file_id` as a relative path that stays inside the storage root, or UnsafePath."""
    if not file_id or "\\" in file_id or "\x00" in file_id:
        raise UnsafePath(f"'{file_id}' is not a valid file id")
    path = PurePosixPath(file_id)
    if path.is_absolute() or file_id.startswith("/"):
        raise UnsafePath(f"'{file_id}' is an absolute path; file ids are relative")
    if any(part == "" or part.startswith(".") for part in file_id.split("/")):
        raise UnsafePath(f"'{file_id}' may not contain '.', '..', empty or hidden components")
    return path


class LocalFileStorage:
    """Files under `root` on the local disk; ids are relative paths such as `project-7/Raw-Photos/a.jpg`."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")

    def create_folder(self, name: str, parent: str | None = None) -> str:
        folder_id = safe_name(name) if parent is None else f"{self._folder(parent)}/{safe_name(name)}"
        self._path(folder_id).mkdir(parents=True, exist_ok=True)
        return folder_id

    def write(self, folder_id: str, filename: str, data: bytes, content_type: str) -> str:
        folder_id = self._folder(folder_id)
        file_id = f"{folder_id}/{safe_name(filename)}"
        target = self._path(file_id)
        if target.is_dir():
            raise UnsafePath(f"'{file_id}' is a folder")
        _atomic_write(target.with_name("." + target.name + _TYPE_SUFFIX), content_type.encode())
        _atomic_write(target, data)
        return file_id

    def read(self, file_id: str) -> bytes:
        path = self._path(file_id)
        if not path.is_file():
            raise FileNotFoundError(f"No stored file '{file_id}'")
        return path.read_bytes()

    def list(self, folder_id: str) -> list[StoredFile]:
        folder_id = self._folder(folder_id)
        return [
            StoredFile(
                id=f"{folder_id}/{entry.name}",
                name=entry.name,
                content_type=self._content_type(entry),
                size=entry.stat().st_size,
            )
            for entry in sorted(self._path(folder_id).iterdir(), key=lambda p: p.name)
            if entry.is_file() and not entry.name.startswith(".")
        ]

    def url(self, file_id: str) -> str:
        return f"{self.base_url}/{quote(str(check_id(file_id)))}"

    def exists(self, file_or_folder_id: str) -> bool:
        try:
            return self._path(file_or_folder_id).exists()
        except UnsafePath:
            return False

    def _path(self, file_id: str) -> Path:
        return self.root.joinpath(*check_id(file_id).parts)

    def _folder(self, folder_id: str) -> str:
        if not self._path(folder_id).is_dir():
            raise FileNotFoundError(f"No stored folder '{folder_id}'")
        return str(check_id(folder_id))

    @staticmethod
    def _content_type(path: Path) -> str:
        try:
            return path.with_name("." + path.name + _TYPE_SUFFIX).read_text().strip()
        except FileNotFoundError:
            return "application/octet-stream"


def _atomic_write(target: Path, data: bytes) -> None:
    """Write to a temporary file beside `target`, then rename it over, so readers never see half a file."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


_configured: FileStorage | None = None
_configure_lock = threading.Lock()


def configure_storage(storage: FileStorage | None) -> None:
    """Choose the storage machine steps and views use; None goes back to the default."""
    global _configured
    with _configure_lock:
        _configured = storage


def get_storage() -> FileStorage:
    """The configured storage, or a local folder from TUTTI_FILES_DIR / TUTTI_FILES_URL, made on first use."""
    global _configured
    with _configure_lock:
        if _configured is None:
            _configured = LocalFileStorage(
                Path(os.environ.get("TUTTI_FILES_DIR", DEFAULT_FILES_DIR)),
                os.environ.get("TUTTI_FILES_URL", DEFAULT_FILES_URL),
            )
        return _configured
