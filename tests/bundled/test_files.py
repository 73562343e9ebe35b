"""Local file storage: folders, atomic writes, URLs, and ids that cannot escape the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows import files
from workflows.files import FileStorage, LocalFileStorage, StoredFile, UnsafePath


@pytest.fixture
def storage(tmp_path: Path) -> LocalFileStorage:
    return LocalFileStorage(tmp_path / "files", "http://files.test/files/")


def test_local_storage_implements_the_file_storage_interface(storage: LocalFileStorage) -> None:
    assert isinstance(storage, FileStorage)


def test_a_written_file_reads_back_lists_with_its_type_and_size_and_has_a_url(storage: LocalFileStorage) -> None:
    project = storage.create_folder("project-7")
    file_id = storage.write(project, "notes.txt", b"hello", "text/plain")
    assert file_id == "project-7/notes.txt"
    assert storage.read(file_id) == b"hello"
    assert storage.list(project) == [StoredFile(id=file_id, name="notes.txt", content_type="text/plain", size=5)]
    assert storage.url(file_id) == "http://files.test/files/project-7/notes.txt"
    assert storage.exists(file_id) and storage.exists(project)


def test_folders_nest_and_creating_one_twice_gives_the_same_id(storage: LocalFileStorage) -> None:
    project = storage.create_folder("project-1")
    raw = storage.create_folder("Raw Photos", parent=project)
    assert raw == "project-1/Raw-Photos"
    assert storage.create_folder("Raw Photos", parent=project) == raw
    assert storage.list(raw) == []


def test_listing_shows_files_only_sorted_by_name_without_subfolders(storage: LocalFileStorage) -> None:
    folder = storage.create_folder("f")
    storage.create_folder("sub", parent=folder)
    storage.write(folder, "b.png", b"2", "image/png")
    storage.write(folder, "a.jpg", b"1", "image/jpeg")
    assert [f.name for f in storage.list(folder)] == ["a.jpg", "b.png"]


def test_writing_the_same_name_again_replaces_the_file_and_leaves_no_temporary_files(
    storage: LocalFileStorage,
) -> None:
    folder = storage.create_folder("f")
    first = storage.write(folder, "draft.md", b"one", "text/markdown")
    second = storage.write(folder, "draft.md", b"two!", "text/markdown")
    assert first == second
    assert storage.read(second) == b"two!"
    assert [f.size for f in storage.list(folder)] == [4]
    assert not list((storage.root / "f").glob(".tmp-*"))


def test_file_names_are_reduced_to_one_safe_path_component(storage: LocalFileStorage) -> None:
    folder = storage.create_folder("f")
    file_id = storage.write(folder, "../My Photo (1).JPG", b"x", "image/jpeg")
    assert file_id == "f/My-Photo-1.JPG"
    assert (storage.root / "f" / "My-Photo-1.JPG").read_bytes() == b"x"
    hidden = storage.write(folder, "../.bashrc", b"y", "text/plain")
    assert hidden == "f/bashrc"
    assert [f.name for f in storage.list(folder)] == ["My-Photo-1.JPG", "bashrc"]
    with pytest.raises(UnsafePath):
        storage.write(folder, "...", b"x", "text/plain")


@pytest.mark.parametrize(
    "bad_id",
    [
        "../outside",
        "project-1/../../outside",
        "/etc/passwd",
        "project-1/./x",
        "a//b",
        "project-1\\..\\x",
        ".hidden",
        "project-1/.x.content-type",
        "",
    ],
)
def test_ids_that_could_escape_the_root_or_reach_hidden_files_are_rejected(
    storage: LocalFileStorage, bad_id: str
) -> None:
    (storage.root.parent / "outside").write_bytes(b"secret")
    with pytest.raises(UnsafePath):
        storage.read(bad_id)
    with pytest.raises(UnsafePath):
        storage.url(bad_id)
    with pytest.raises(UnsafePath):
        storage.list(bad_id)
    with pytest.raises(UnsafePath):
        storage.write(bad_id, "x.txt", b"x", "text/plain")
    assert storage.exists(bad_id) is False


def test_reading_a_missing_file_or_writing_into_a_missing_folder_raises_file_not_found(
    storage: LocalFileStorage,
) -> None:
    with pytest.raises(FileNotFoundError):
        storage.read("project-1/none.txt")
    with pytest.raises(FileNotFoundError):
        storage.write("project-1", "x.txt", b"x", "text/plain")
    with pytest.raises(FileNotFoundError):
        storage.create_folder("child", parent="project-1")


def test_the_default_storage_is_made_lazily_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTTI_FILES_DIR", str(tmp_path / "env-files"))
    monkeypatch.setenv("TUTTI_FILES_URL", "http://example.test/f")
    monkeypatch.setattr(files, "_configured", None)
    default = files.get_storage()
    assert isinstance(default, LocalFileStorage)
    assert default.root == tmp_path / "env-files"
    assert default.url("project-1/a.jpg") == "http://example.test/f/project-1/a.jpg"
    assert files.get_storage() is default
    assert not (tmp_path / "env-files").exists()


def test_configured_storage_replaces_the_default_until_reset(
    storage: LocalFileStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_configured", None)
    files.configure_storage(storage)
    assert files.get_storage() is storage
    files.configure_storage(None)
    assert files.get_storage() is not storage
