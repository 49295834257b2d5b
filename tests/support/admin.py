"""Signing in to the admin UI with httpx, as a browser does (cookies, CSRF tokens)."""

from __future__ import annotations

import re

import httpx

from tests.support.clients import http_client
from tests.support.people import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def browser_client(base_url: str) -> httpx.Client:
    return http_client(base_url, follow_redirects=False)


def attempt_sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/admin/login").text)
    form = {"email": email, "password": password, "csrf_token": token, "next": "/admin/"}
    return client.post("/admin/login", data=form)


def signed_in(base_url: str, email: str) -> tuple[httpx.Client, str]:
    """A client signed in as ``email``, and a CSRF token valid for its forms."""
    client = browser_client(base_url)
    response = attempt_sign_in(client, email)
    assert response.status_code == 303, response.text
    page = client.get("/admin/account/tokens")
    assert page.status_code == 200, page.text
    return client, csrf_of(page.text)
