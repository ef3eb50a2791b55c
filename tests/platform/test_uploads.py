"""Upload size limits: a clear 4xx refusal with the limit in words, the file never read into memory."""

from __future__ import annotations

import re
import tracemalloc

import pytest
from django.test import RequestFactory
from django.test.client import ClientHandler

from mandate.union.models import Member
from mandate.workplace.models import ImportBatch

MB = 1024 * 1024
BOUNDARY = "mandate-test-boundary"


def _multipart_file(path, fields: dict[str, str], size: int) -> int:  # type: ignore[no-untyped-def]
    """Write a multipart/form-data body with a `size`-byte CSV file to `path`, in chunks; its length."""
    with open(path, "wb") as f:
        for name, value in fields.items():
            f.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        f.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
                f'Content-Type: text/csv\r\n\r\n'.encode())
        f.write(b"staff_id,date,kind\n")
        line = b"S00000,2026-10-01,annual_leave\n"
        chunk = line * (MB // len(line))
        written = 0
        while written < size:
            f.write(chunk)
            written += len(chunk)
        f.write(f"\r\n--{BOUNDARY}--\r\n".encode())
        return f.tell()


def _post_streamed(client, url: str, body_path, length: int):  # type: ignore[no-untyped-def]
    """POST the body from a file, through Django's own WSGI handling, as a server would stream it."""
    with open(body_path, "rb") as body:
        environ = RequestFactory()._base_environ(
            PATH_INFO=url, REQUEST_METHOD="POST", CONTENT_LENGTH=str(length),
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}", **{"wsgi.input": body},
            HTTP_COOKIE=client.cookies.output(header="", sep="; "))
        return ClientHandler(enforce_csrf_checks=False)(environ)


@pytest.mark.django_db
def test_a_60_mb_ledger_file_is_refused_in_words_with_bounded_memory(client, make_user, employer_org,
                                                                     tmp_path) -> None:
    client.force_login(make_user("hr_admin"))
    length = _multipart_file(tmp_path / "body", {"kind": "absences"}, 60 * MB)
    small = _multipart_file(tmp_path / "small", {"kind": "absences"}, 1)
    _post_streamed(client, "/workplace/imports/", tmp_path / "small", small)  # modules imported, caches warm
    batches = ImportBatch.objects.count()
    tracemalloc.start()
    try:
        response = _post_streamed(client, "/workplace/imports/", tmp_path / "body", length)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    text = response.content.decode()
    assert response.status_code == 400
    assert re.search(r"The file is 6\d\.\d MB; at most 50 MB can be uploaded here", text)
    assert peak < 16 * MB, f"{peak / MB:.1f} MB held while refusing a 60 MB file"
    assert ImportBatch.objects.count() == batches
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_body_over_the_request_limit_is_refused_before_it_is_read(client, make_user, union_org, settings,
                                                                    tmp_path) -> None:
    settings.MANDATE_MAX_UPLOAD = 100 * MB
    client.force_login(make_user("union_official", scope="pcs"))
    body = tmp_path / "body"
    body.write_bytes(b"x" * 1000)  # the header claims 120 MB: nothing of it may be read
    with open(body, "rb") as stream:
        environ = RequestFactory()._base_environ(
            PATH_INFO="/union/register/", REQUEST_METHOD="POST", CONTENT_LENGTH=str(120 * MB),
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}", **{"wsgi.input": stream},
            HTTP_COOKIE=client.cookies.output(header="", sep="; "))
        response = ClientHandler(enforce_csrf_checks=False)(environ)
        assert stream.tell() == 0
    assert response.status_code == 413
    assert "What you sent is 120.0 MB; at most 100 MB can be uploaded" in response.content.decode()


@pytest.mark.django_db
def test_register_and_returns_forms_refuse_over_their_limits(client, make_user, union_org, settings,
                                                             tmp_path) -> None:
    settings.MANDATE_UPLOAD_LIMITS = {"ledger": 50, "register": 1, "returns": 1}
    client.force_login(make_user("union_official", scope="pcs"))
    length = _multipart_file(tmp_path / "body", {}, 2 * MB)
    response = _post_streamed(client, "/union/register/", tmp_path / "body", length)
    assert response.status_code == 400
    assert "at most 1 MB can be uploaded here" in response.content.decode()
    assert Member.objects.count() == 3
