"""The journalism workflow's machine steps on a local file storage: documents, then greyscale photos."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from workflows import files
from workflows.bundled.journalism.v1.adjust_photos import autoadjust_photos
from workflows.bundled.journalism.v1.documents import DEFAULT_TEMPLATE, create_documents
from workflows.files import LocalFileStorage


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalFileStorage:
    storage = LocalFileStorage(tmp_path / "files", "http://files.test/files")
    monkeypatch.setattr(files, "_configured", storage)
    return storage


def _file_id(storage: LocalFileStorage, url: str) -> str:
    """The stored file a URL points at (the web app serves `/files/<id>`)."""
    prefix = storage.base_url + "/"
    assert url.startswith(prefix)
    return url.removeprefix(prefix)


def _photo(colour: tuple[int, int, int], fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format=fmt)
    return output.getvalue()


def _run_documents(project_id: int = 42, **project_data: Any) -> dict[str, Any]:
    return create_documents({"project_id": project_id, **project_data}, {})


def test_document_creation_makes_the_project_folder_an_article_draft_and_a_raw_photos_folder(
    storage: LocalFileStorage,
) -> None:
    result = _run_documents()
    assert result["project_folder"] == "project-42"
    assert result["raw_photo_folder"] == "project-42/Raw-Photos"
    assert storage.exists("project-42/Raw-Photos")
    draft_id = _file_id(storage, result["articleURL"])
    assert storage.read(draft_id).decode() == DEFAULT_TEMPLATE
    (draft,) = storage.list("project-42")
    assert draft.id == draft_id
    assert draft.name == "Article-Draft.md"
    assert draft.content_type.startswith("text/markdown")


def test_document_creation_seeds_the_draft_from_the_projects_template_text(storage: LocalFileStorage) -> None:
    result = _run_documents(article_draft_template="# Floods\n\nWrite here.\n")
    assert storage.read(_file_id(storage, result["articleURL"])) == b"# Floods\n\nWrite here.\n"


def test_running_document_creation_twice_gives_the_same_result(storage: LocalFileStorage) -> None:
    assert _run_documents() == _run_documents()
    assert [f.name for f in storage.list("project-42")] == ["Article-Draft.md"]


def test_document_creation_uses_a_storage_passed_in_kwargs(tmp_path: Path) -> None:
    other = LocalFileStorage(tmp_path / "other", "http://other.test")
    result = create_documents({"project_id": 5}, {}, storage=other)
    assert result["articleURL"] == "http://other.test/project-5/Article-Draft.md"
    assert other.exists("project-5/Raw-Photos")


def test_photo_adjustment_turns_every_raw_photo_into_a_greyscale_jpeg_at_a_stored_url(
    storage: LocalFileStorage,
) -> None:
    documents = _run_documents()
    raw = documents["raw_photo_folder"]
    storage.write(raw, "red.jpg", _photo((255, 0, 0), "JPEG"), "image/jpeg")
    storage.write(raw, "blue.png", _photo((0, 0, 255), "PNG", size=(16, 16)), "image/png")

    result = autoadjust_photos({"project_id": 42}, {"document_creation": documents, "photography": {}})

    assert result["processed_photo_folder"] == "project-42/Processed-Photos"
    assert result["skipped"] == []
    assert len(result["photos_for_caption"]) == 2
    stored = {f.id: f for f in storage.list(result["processed_photo_folder"])}
    expected_grey = {"blue.jpg": 29, "red.jpg": 76}  # ITU-R 601 luma of pure blue and pure red
    for url in result["photos_for_caption"]:
        file_id = _file_id(storage, url)
        assert stored[file_id].content_type == "image/jpeg"
        image = Image.open(io.BytesIO(storage.read(file_id)))
        assert image.format == "JPEG"
        assert image.mode == "L"
        low, high = image.getextrema()
        expected = expected_grey[stored[file_id].name]
        assert abs(low - expected) <= 3 and abs(high - expected) <= 3
    blue = Image.open(io.BytesIO(storage.read("project-42/Processed-Photos/blue.jpg")))
    assert blue.size == (16, 16)
    # The raw photos are left as they were.
    assert Image.open(io.BytesIO(storage.read(f"{raw}/red.jpg"))).mode == "RGB"


def test_photo_adjustment_skips_and_reports_files_that_are_not_images(storage: LocalFileStorage) -> None:
    documents = _run_documents()
    raw = documents["raw_photo_folder"]
    storage.write(raw, "notes.txt", b"not a photo", "text/plain")
    storage.write(raw, "shot.png", _photo((0, 255, 0), "PNG"), "image/png")

    result = autoadjust_photos({"project_id": 42}, {"document_creation": documents})

    assert [_file_id(storage, url) for url in result["photos_for_caption"]] == ["project-42/Processed-Photos/shot.jpg"]
    assert [item["file"] for item in result["skipped"]] == ["notes.txt"]
    assert "not an image" in result["skipped"][0]["reason"]


def test_photo_adjustment_keeps_photos_with_the_same_stem_apart(storage: LocalFileStorage) -> None:
    documents = _run_documents()
    raw = documents["raw_photo_folder"]
    storage.write(raw, "a.jpg", _photo((255, 255, 255), "JPEG"), "image/jpeg")
    storage.write(raw, "a.png", _photo((0, 0, 0), "PNG"), "image/png")

    result = autoadjust_photos({"project_id": 42}, {"document_creation": documents})

    assert [_file_id(storage, url) for url in result["photos_for_caption"]] == [
        "project-42/Processed-Photos/a.jpg",
        "project-42/Processed-Photos/a-2.jpg",
    ]


def test_photo_adjustment_also_takes_photos_attached_to_the_photography_step_in_this_project_only(
    storage: LocalFileStorage,
) -> None:
    documents = _run_documents()
    uploads = storage.create_folder("uploads", parent="project-42")
    attached = storage.write(uploads, "street.png", _photo((10, 200, 10), "PNG"), "image/png")
    elsewhere = storage.write(storage.create_folder("project-9"), "x.png", _photo((1, 2, 3), "PNG"), "image/png")

    result = autoadjust_photos(
        {"project_id": 42},
        {"document_creation": documents, "photography": {"photos": [{"id": attached}, elsewhere]}},
    )

    assert [_file_id(storage, url) for url in result["photos_for_caption"]] == [
        "project-42/Processed-Photos/street.jpg"
    ]


def test_photo_adjustment_with_no_raw_photos_returns_an_empty_photo_list(storage: LocalFileStorage) -> None:
    documents = _run_documents()
    result = autoadjust_photos({"project_id": 42}, {"document_creation": documents})
    assert result == {
        "processed_photo_folder": "project-42/Processed-Photos",
        "photos_for_caption": [],
        "skipped": [],
    }
