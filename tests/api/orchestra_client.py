"""A client written the way Orchestra's `orchestra/orchestra_api.py` is: requests + httpsig, its header set,
`json.dumps` bodies without a Content-Type, and `convert_key_to_int` on `project_information`.

Only the base URL (and the credentials) are parameters, as for a real Orchestra client pointed at Tutti.
"""

from __future__ import annotations

import json
from datetime import datetime
from time import mktime
from typing import Any
from wsgiref.handlers import format_date_time

import requests
from httpsig.requests_auth import HTTPSignatureAuth


class OrchestraError(Exception):
    pass


def convert_key_to_int(data: dict[Any, Any]) -> dict[Any, Any]:
    converted = {}
    for key, value in data.items():
        try:
            converted[int(key)] = value
        except ValueError:
            converted[key] = value
    return converted


class OrchestraApi:
    def __init__(self, orchestra_url: str, api_key: str, api_secret: str) -> None:
        self.orchestra_url = orchestra_url
        self.api_key = api_key
        self.api_secret = api_secret

    def _make_api_request(self, method: str, endpoint: str, query: str = "", *args: Any, **kwargs: Any
                          ) -> requests.Response:
        func = getattr(requests, method)
        auth = HTTPSignatureAuth(key_id=self.api_key, secret=self.api_secret, algorithm="hmac-sha256")
        headers = {"date": format_date_time(mktime(datetime.now().timetuple())),
                   "X-Api-Version": "~6.5",
                   "X-Api-Key": self.api_key}
        response = func(f"{self.orchestra_url}/orchestra/api/project/{endpoint}/{query}",
                        headers=headers, auth=auth, *args, **kwargs)  # noqa: B026 - as Orchestra writes it
        if response.status_code not in (200, 201):
            raise OrchestraError(response.text)
        return response

    def get_workflow_types(self) -> dict[str, Any]:
        return self._make_api_request("get", "workflow_types").json()["workflows"]

    def get_project_details_url(self, project_id: int) -> str:
        data = {"project_id": project_id}
        response = self._make_api_request("post", "project_details_url", data=json.dumps(data))
        return response.json()["project_details_url"]

    def create_orchestra_project(self, client: Any, workflow_slug: str, workflow_version_slug: str,
                                 description: str, priority: int, project_data: dict[str, Any],
                                 task_class: str) -> int:
        data = {
            "workflow_slug": workflow_slug,
            "workflow_version_slug": workflow_version_slug,
            "description": description,
            "priority": priority,
            "project_data": project_data,
            "task_class": task_class,
        }
        response = self._make_api_request("post", "create_project", data=json.dumps(data))
        return json.loads(response.text)["project_id"]

    def get_project_information(self, project_ids: list[int]) -> dict[Any, Any]:
        data = {"project_ids": project_ids}
        response = self._make_api_request("post", "project_information", data=json.dumps(data))
        return json.loads(response.text, object_hook=convert_key_to_int)

    def assign_worker_to_task(self, worker_id: int | None, task_id: int | None) -> dict[str, Any]:
        data = {"worker_id": worker_id, "task_id": task_id}
        response = self._make_api_request("post", "assign_worker_to_task", data=json.dumps(data))
        return json.loads(response.text)

    def message_project_team(self, project_id: int, message: str) -> dict[str, Any]:
        data = {"project_id": project_id, "message": message}
        response = self._make_api_request("post", "message_project_team", data=json.dumps(data))
        return json.loads(response.text)
