"""The `document_creation` machine step: the project's folder, its article draft and a raw-photos folder."""

from __future__ import annotations

from typing import Any

from workflows.files import FileStorage, get_storage, project_folder_name

ARTICLE_DRAFT = "Article Draft.md"
RAW_PHOTOS = "Raw Photos"

DEFAULT_TEMPLATE = """# Headline

_Byline_

Lead: who, what, when and where, in one or two sentences.

Body: the story, most important facts first.
"""


def create_documents(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Create the project folder, an "Article Draft" seeded from `article_draft_template`, and "Raw Photos".

    Running it again for the same project reuses the folders and rewrites the draft, so a retry is safe.
    `storage` may be passed to use something other than the configured file storage.
    """
    storage: FileStorage = kwargs.get("storage") or get_storage()
    project_folder = storage.create_folder(project_folder_name(project_data["project_id"]))
    template = project_data.get("article_draft_template")
    text = template if isinstance(template, str) and template.strip() else DEFAULT_TEMPLATE
    draft = storage.write(project_folder, ARTICLE_DRAFT, text.encode("utf-8"), "text/markdown; charset=utf-8")
    raw_photos = storage.create_folder(RAW_PHOTOS, parent=project_folder)
    return {
        "articleURL": storage.url(draft),
        "raw_photo_folder": raw_photos,
        "project_folder": project_folder,
    }
