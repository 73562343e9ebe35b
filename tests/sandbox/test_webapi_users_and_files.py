"""users.* and the files upload flow, including url_private downloads."""

import requests
from slack_sdk import WebClient

from sandbox.driver import Sandbox
from tests.sandbox.helpers import error_code, slack_error


def test_users_info_list_and_lookup(slack_client: WebClient) -> None:
    user = slack_client.users_info(user="UJREPORT01").data["user"]
    assert (user["name"], user["profile"]["email"]) == ("journalism-reporter-1", "noreply-journalism2@example.org")
    assert slack_client.users_info(user="UADMIN0001").data["user"]["is_admin"] is True
    ids = [m["id"] for m in slack_client.users_list().data["members"]]
    assert {"UADMIN0001", "UDEMO00001", "UJCOPYED01", "UTUTTIBOT1"} <= set(ids)
    found = slack_client.users_lookupByEmail(email="noreply-simple1@example.org").data["user"]
    assert found["id"] == "UDEMO00001"


def test_users_errors(slack_client: WebClient) -> None:
    assert error_code(lambda: slack_client.users_info(user="UNOBODY01")) == "user_not_found"
    assert error_code(lambda: slack_client.users_lookupByEmail(email="nobody@example.org")) == "users_not_found"


def test_users_list_paginates(slack_client: WebClient) -> None:
    first = slack_client.users_list(limit=3).data
    assert len(first["members"]) == 3
    rest = slack_client.users_list(limit=100, cursor=first["response_metadata"]["next_cursor"]).data
    assert rest["response_metadata"]["next_cursor"] == ""
    assert len(first["members"]) + len(rest["members"]) == 9  # bot, admin, 7 sample workers


def test_files_upload_v2_shares_into_the_channel(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("photos", members=["demo"])
    channel = sandbox.channel("#photos").id
    result = slack_client.files_upload_v2(channel=channel, content=b"jpeg bytes", filename="flood.jpg",
                                          title="Flood", initial_comment="Here it is").data
    file = result["file"]
    assert (file["name"], file["title"], file["size"], file["mimetype"]) == ("flood.jpg", "Flood", 10, "image/jpeg")
    shown = sandbox.as_user("demo").last_message("#photos")
    assert (shown.text, shown.files) == ("Here it is", [file["id"]])
    info = slack_client.files_info(file=file["id"]).data["file"]
    assert info["channels"] == [channel]


def test_url_private_needs_the_bot_token(slack_client: WebClient, sandbox: Sandbox) -> None:
    file = slack_client.files_upload_v2(content=b"secret bytes", filename="a.txt").data["file"]
    url = file["url_private"]
    assert requests.get(url, timeout=5).status_code == 401
    answer = requests.get(url, headers={"Authorization": f"Bearer {sandbox.bot_token}"}, timeout=5)
    assert (answer.status_code, answer.content) == (200, b"secret bytes")


def test_files_errors(slack_client: WebClient) -> None:
    assert error_code(lambda: slack_client.files_info(file="F404")) == "file_not_found"
    reserved = slack_client.files_getUploadURLExternal(filename="a.txt", length=3).data
    assert error_code(lambda: slack_client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}])) == \
        "file_not_found"
    missing = slack_error(lambda: slack_client.api_call("files.getUploadURLExternal", params={"filename": "a"}))
    assert missing["error"] == "invalid_arguments"
