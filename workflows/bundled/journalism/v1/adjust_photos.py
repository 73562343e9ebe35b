"""The `photo_adjustment` machine step: every raw photo, converted to a greyscale JPEG for captioning."""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from workflows.files import FileStorage, UnsafePath, get_storage, project_folder_name

PROCESSED_PHOTOS = "Processed Photos"
JPEG_QUALITY = 90


def autoadjust_photos(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Greyscale every raw photo (and any the photographer attached) into a "Processed Photos" folder.

    Files Pillow cannot open are skipped and listed under `skipped` with the reason. Running it again
    rewrites the same processed files, so a retry is safe. `storage` may be passed to override the
    configured file storage.
    """
    storage: FileStorage = kwargs.get("storage") or get_storage()
    documents = prerequisites["document_creation"]
    raw_folder = documents["raw_photo_folder"]
    project_folder = documents.get("project_folder") or project_folder_name(project_data["project_id"])
    processed_folder = storage.create_folder(PROCESSED_PHOTOS, parent=project_folder)

    urls: list[str] = []
    skipped: list[dict[str, str]] = []
    used_names: set[str] = set()
    for file_id in _raw_photo_ids(storage, raw_folder, project_folder, prerequisites.get("photography")):
        name = PurePosixPath(file_id).name
        try:
            greyscale = _greyscale_jpeg(storage.read(file_id))
        except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
            skipped.append({"file": name, "reason": f"not an image Pillow can open ({type(exc).__name__})"})
            continue
        except (OSError, ValueError, UnsafePath) as exc:
            skipped.append({"file": name, "reason": str(exc) or type(exc).__name__})
            continue
        output_name = _unique(PurePosixPath(name).stem + ".jpg", used_names)
        processed = storage.write(processed_folder, output_name, greyscale, "image/jpeg")
        urls.append(storage.url(processed))
    return {"processed_photo_folder": processed_folder, "photos_for_caption": urls, "skipped": skipped}


def _raw_photo_ids(
    storage: FileStorage, raw_folder: str, project_folder: str, photography: dict[str, Any] | None
) -> list[str]:
    """The raw folder's files, then any files the photographer attached that live in this project's folder."""
    ids = [stored.id for stored in storage.list(raw_folder)]
    attached = (photography or {}).get("photos") or []
    for item in attached if isinstance(attached, list) else []:
        file_id = item.get("id") if isinstance(item, dict) else item
        # Only this project's files: a submitted id must not reach into another project's folder.
        if isinstance(file_id, str) and file_id.startswith(project_folder + "/") and file_id not in ids:
            ids.append(file_id)
    return ids


def _greyscale_jpeg(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        # Phones store rotation in EXIF, which the conversion drops: turn the pixels upright first.
        upright = ImageOps.exif_transpose(image)
        output = io.BytesIO()
        upright.convert("L").save(output, format="JPEG", quality=JPEG_QUALITY)
    return output.getvalue()


def _unique(name: str, used: set[str]) -> str:
    candidate, counter = name, 2
    stem = PurePosixPath(name).stem
    while candidate in used:
        candidate = f"{stem}-{counter}.jpg"
        counter += 1
    used.add(candidate)
    return candidate
