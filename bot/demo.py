"""The demos' HTTP client: the client API called exactly as Orchestra's Python client calls it.

requests + httpsig's HTTPSignatureAuth (hmac-sha256, only `date` signed), Orchestra's header set, `json.dumps`
bodies without a Content-Type, and integer keys for `project_information`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from time import mktime
from typing import Any
from wsgiref.handlers import format_date_time

import requests
from httpsig.requests_auth import HTTPSignatureAuth

SIMPLE_DESCRIPTION = "A test run of our simple workflow"
ORCHESTRA_DEMO_URL = "http://www.jrbotros.com/"  # the page Orchestra's demo crawled
JOURNALISM_DESCRIPTION = "A test run of our journalism workflow"
JOURNALISM_TEMPLATE = "1F9ULJ_eoJFz1whqjK2thsC6gJup2f35IsUUpbcizcfA"


class ClientApiError(Exception):
    """Any answer other than 200 or 201, with its body (Orchestra's OrchestraError)."""


def convert_key_to_int(data: dict[Any, Any]) -> dict[Any, Any]:
    converted: dict[Any, Any] = {}
    for key, value in data.items():
        try:
            converted[int(key)] = value
        except ValueError:
            converted[key] = value
    return converted


class ClientApi:
    """The signed client API of a running Tutti (or Orchestra) at `base_url`."""

    def __init__(self, base_url: str, key: str, secret: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self._secret = secret
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ClientApi({self.base_url!r}, key={self.key!r})"

    def _request(self, method: str, endpoint: str, data: dict[str, Any] | None = None) -> requests.Response:
        auth = HTTPSignatureAuth(key_id=self.key, secret=self._secret, algorithm="hmac-sha256")
        headers = {"date": format_date_time(mktime(datetime.now().timetuple())),
                   "X-Api-Version": "~6.5",
                   "X-Api-Key": self.key}
        response = requests.request(method, f"{self.base_url}/orchestra/api/project/{endpoint}/", headers=headers,
                                    auth=auth, timeout=self.timeout,
                                    data=None if data is None else json.dumps(data))
        if response.status_code not in (200, 201):
            raise ClientApiError(response.text)
        return response

    def workflow_types(self) -> dict[str, Any]:
        return self._request("GET", "workflow_types").json()["workflows"]

    def create_project(self, workflow_slug: str, workflow_version_slug: str, description: str, priority: int,
                       project_data: dict[str, Any], task_class: str) -> int:
        data = {"workflow_slug": workflow_slug, "workflow_version_slug": workflow_version_slug,
                "description": description, "priority": priority, "project_data": project_data,
                "task_class": task_class}
        return int(json.loads(self._request("POST", "create_project", data).text)["project_id"])

    def project_information(self, project_ids: list[int]) -> dict[Any, Any]:
        response = self._request("POST", "project_information", {"project_ids": project_ids})
        return json.loads(response.text, object_hook=convert_key_to_int)

    def assign_worker_to_task(self, worker_id: int, task_id: int) -> dict[str, Any]:
        return self._request("POST", "assign_worker_to_task", {"worker_id": worker_id, "task_id": task_id}).json()

    def message_project_team(self, project_id: int, message: str) -> dict[str, Any]:
        return self._request("POST", "message_project_team", {"project_id": project_id, "message": message}).json()


def wait_for_task(api: ClientApi, project_id: int, slug: str, done: Callable[[dict[str, Any]], bool], *,
                  timeout: float, interval: float = 1.0, on_poll: Callable[[], None] | None = None
                  ) -> dict[str, Any] | None:
    """Poll project_information until the step's task satisfies `done`; None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        task = api.project_information([project_id])[project_id]["tasks"].get(slug)
        if task is not None and done(task):
            return task
        if time.monotonic() > deadline:
            return None
        if on_poll is not None:
            on_poll()
        time.sleep(interval)
