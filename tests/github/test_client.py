"""The GitHub client on its own: headers, pagination, ETags, retries, rate limits."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
import respx

from reports.github.client import (
    API_VERSION,
    Cached,
    DatabaseETags,
    GitHubClient,
    GitHubError,
    NotFound,
    RateLimited,
    parse_next_link,
    repo_path,
    with_query,
)
from reports.models import GitHubETag

API = "https://api.github.test"
NOW = datetime.datetime(2025, 4, 1, 12, 0, tzinfo=datetime.UTC)


class MemoryETags:
    def __init__(self) -> None:
        self.rows: dict[str, Cached] = {}

    def get(self, url: str) -> Cached | None:
        return self.rows.get(url)


def make_client(**kwargs) -> tuple[GitHubClient, list[float]]:
    sleeps: list[float] = []
    client = GitHubClient(
        token=kwargs.pop("token", "tok"),
        base_url=API,
        sleep=sleeps.append,
        now=lambda: NOW,
        **kwargs,
    )
    return client, sleeps


@respx.mock
def test_headers_version_token_and_per_page():
    route = respx.get(f"{API}/repos/o/r/issues").mock(return_value=httpx.Response(200, json=[]))
    client, _ = make_client()
    client.get_all("/repos/o/r/issues", state="all")
    request = route.calls.last.request
    assert request.headers["X-GitHub-Api-Version"] == API_VERSION == "2022-11-28"
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.url.params["per_page"] == "100"
    assert request.url.params["state"] == "all"


@respx.mock
def test_follows_link_pagination_with_absolute_urls():
    page2 = f"{API}/repositories/1/issues/5/comments?page=2&per_page=100"
    respx.get(f"{API}/repos/o/r/issues/5/comments").mock(
        return_value=httpx.Response(
            200, json=[{"id": 1}], headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'}
        )
    )
    respx.get(page2).mock(return_value=httpx.Response(200, json=[{"id": 2}]))
    client, _ = make_client()
    listing = client.get_all("/repos/o/r/issues/5/comments")
    assert [c["id"] for c in listing.items] == [1, 2]
    assert client.log.requests == 2


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.test/repos/o/r/issues?page=2",
        "http://api.github.test/repos/o/r/issues?page=2",
        "https://api.github.test:8443/repos/o/r/issues?page=2",
        "https://api.github.test.evil.test/repos/o/r/issues?page=2",
    ],
)
@respx.mock
def test_next_page_on_another_origin_is_not_followed(next_url):
    respx.get(f"{API}/repos/o/r/issues").mock(
        return_value=httpx.Response(
            200, json=[{"id": 1}], headers={"Link": f'<{next_url}>; rel="next"'}
        )
    )
    elsewhere = respx.route(url__startswith=next_url.split("/repos")[0]).mock(
        return_value=httpx.Response(200, json=[{"id": 2}])
    )
    client, _ = make_client()
    with pytest.raises(GitHubError, match="next page is on .* not on the configured API"):
        client.get_all("/repos/o/r/issues")
    assert not elsewhere.called
    assert client.log.requests == 1


@respx.mock
def test_next_page_with_the_default_port_spelled_out_is_followed():
    page2 = "https://API.github.test:443/repos/o/r/issues?page=2"
    respx.get(f"{API}/repos/o/r/issues", params={"per_page": "100"}).mock(
        return_value=httpx.Response(
            200, json=[{"id": 1}], headers={"Link": f'<{page2}>; rel="next"'}
        )
    )
    respx.get(f"{API}/repos/o/r/issues", params={"page": "2"}).mock(
        return_value=httpx.Response(200, json=[{"id": 2}])
    )
    client, _ = make_client()
    assert [i["id"] for i in client.get_all("/repos/o/r/issues").items] == [1, 2]


@respx.mock
def test_304_returns_stored_data_and_costs_no_unit():
    url = with_query(f"{API}/repos/o/r/issues", per_page=100)
    etags = MemoryETags()
    etags.rows[url] = Cached(etag='W/"abc"', data=[{"number": 7}])
    route = respx.get(f"{API}/repos/o/r/issues").mock(return_value=httpx.Response(304))
    client, _ = make_client(etags=etags)
    listing = client.get_all("/repos/o/r/issues")
    assert route.calls.last.request.headers["If-None-Match"] == 'W/"abc"'
    assert listing.items == [{"number": 7}]
    assert not listing.changed
    assert (client.log.requests, client.log.not_modified, client.log.units) == (1, 1, 0)


@respx.mock
def test_5xx_retried_with_backoff_then_succeeds():
    route = respx.get(f"{API}/x").mock(
        side_effect=[httpx.Response(502), httpx.Response(503), httpx.Response(200, json={})]
    )
    client, sleeps = make_client()
    assert client.get_json("/x") == {}
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]


@respx.mock
def test_5xx_that_persists_is_an_error():
    respx.get(f"{API}/x").mock(return_value=httpx.Response(502))
    client, sleeps = make_client()
    with pytest.raises(GitHubError) as info:
        client.get_json("/x")
    assert info.value.status == 502
    assert len(sleeps) == 3


@respx.mock
def test_timeout_is_retried_then_reported():
    respx.get(f"{API}/x").mock(side_effect=httpx.ReadTimeout("slow"))
    client, sleeps = make_client()
    with pytest.raises(GitHubError, match="ReadTimeout"):
        client.get_json("/x")
    assert len(sleeps) == 3


@respx.mock
def test_post_5xx_is_not_retried_it_may_have_created_the_resource():
    route = respx.post(f"{API}/repos/o/r/issues/1/comments").mock(
        side_effect=[httpx.Response(502), httpx.Response(201, json={"id": 1})]
    )
    client, sleeps = make_client()
    with pytest.raises(GitHubError) as info:
        client.post_json("/repos/o/r/issues/1/comments", {"body": "hi"})
    assert info.value.status == 502
    assert route.call_count == 1 and sleeps == []


@respx.mock
def test_post_read_timeout_is_not_retried():
    route = respx.post(f"{API}/repos/o/r/issues").mock(side_effect=httpx.ReadTimeout("slow"))
    client, sleeps = make_client()
    with pytest.raises(GitHubError, match="ReadTimeout") as info:
        client.post_json("/repos/o/r/issues", {"title": "t"})
    assert info.value.status is None
    assert route.call_count == 1 and sleeps == []


@respx.mock
def test_post_that_never_connected_is_retried():
    route = respx.post(f"{API}/repos/o/r/issues").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json={"number": 3})]
    )
    client, sleeps = make_client()
    assert client.post_json("/repos/o/r/issues", {"title": "t"}) == {"number": 3}
    assert route.call_count == 2 and sleeps == [0.5]


@respx.mock
def test_patch_setting_a_body_is_retried_on_5xx():
    route = respx.patch(f"{API}/repos/o/r/issues/1").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json={"number": 1})]
    )
    client, sleeps = make_client()
    assert client.patch_json("/repos/o/r/issues/1", {"body": "x"}) == {"number": 1}
    assert route.call_count == 2 and sleeps == [0.5]


@respx.mock
def test_secondary_limit_with_retry_after():
    respx.get(f"{API}/x").mock(
        return_value=httpx.Response(
            403, headers={"retry-after": "120"}, json={"message": "secondary rate limit"}
        )
    )
    client, sleeps = make_client()
    with pytest.raises(RateLimited) as info:
        client.get_json("/x")
    assert info.value.retry_at == NOW + datetime.timedelta(seconds=120)
    assert sleeps == []


@respx.mock
def test_exhausted_primary_limit_waits_for_reset():
    reset = int((NOW + datetime.timedelta(minutes=30)).timestamp())
    respx.get(f"{API}/x").mock(
        return_value=httpx.Response(
            403,
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
            json={"message": "API rate limit exceeded"},
        )
    )
    client, _ = make_client()
    with pytest.raises(RateLimited) as info:
        client.get_json("/x")
    assert info.value.retry_at == NOW + datetime.timedelta(minutes=30, seconds=1)


@respx.mock
def test_429_without_headers_waits_a_minute():
    respx.get(f"{API}/x").mock(
        return_value=httpx.Response(429, json={"message": "secondary rate limit"})
    )
    client, _ = make_client()
    with pytest.raises(RateLimited) as info:
        client.get_json("/x")
    assert info.value.retry_at == NOW + datetime.timedelta(seconds=60)


@respx.mock
def test_403_forbidden_is_not_a_rate_limit():
    respx.get(f"{API}/x").mock(
        return_value=httpx.Response(
            403, headers={"x-ratelimit-remaining": "4000"}, json={"message": "Forbidden"}
        )
    )
    client, _ = make_client()
    with pytest.raises(GitHubError) as info:
        client.get_json("/x")
    assert not isinstance(info.value, RateLimited)


@respx.mock
def test_404_is_not_found():
    respx.get(f"{API}/x").mock(return_value=httpx.Response(404, json={"message": "Not Found"}))
    client, _ = make_client()
    with pytest.raises(NotFound):
        client.get_json("/x")


@respx.mock
def test_no_token_sends_no_authorization(settings):
    settings.GITHUB_TOKEN = ""
    route = respx.get(f"{API}/x").mock(return_value=httpx.Response(200, json={}))
    client, _ = make_client(token="")
    client.get_json("/x")
    assert "Authorization" not in route.calls.last.request.headers


def test_repo_path_encodes_cjk_brackets_spaces_keeps_tilde_and_slashes():
    path = repo_path("o/r", "contents", "周报/张 三/[WeeklyReport]2025.03.03~2025.03.16.md")
    assert path == (
        "/repos/o/r/contents/%E5%91%A8%E6%8A%A5/%E5%BC%A0%20%E4%B8%89/"
        "%5BWeeklyReport%5D2025.03.03~2025.03.16.md"
    )


def test_parse_next_link():
    header = '<https://a/x?page=3>; rel="next", <https://a/x?page=9>; rel="last"'
    assert parse_next_link(header) == "https://a/x?page=3"
    assert parse_next_link('<https://a/x?page=1>; rel="prev"') == ""
    assert parse_next_link("") == ""


@pytest.mark.django_db
@respx.mock
def test_database_etags_shared_between_clients():
    respx.get(f"{API}/repos/o/r/pulls").mock(
        side_effect=[
            httpx.Response(200, json=[{"number": 1}], headers={"ETag": '"v1"'}),
            httpx.Response(304),
        ]
    )
    first, _ = make_client(etags=DatabaseETags())
    listing = first.get_all("/repos/o/r/pulls")
    DatabaseETags().remember(listing.pages)
    assert GitHubETag.objects.get().etag == '"v1"'
    second, _ = make_client(etags=DatabaseETags())
    again = second.get_all("/repos/o/r/pulls")
    assert again.items == [{"number": 1}] and not again.changed
    assert second.log.units == 0


# ---------------------------------------------------------------- against the fake server


@pytest.fixture
def fake_github():
    from tests.fakes.github import FakeGitHub

    fake = FakeGitHub().start()
    yield fake
    fake.stop()


def test_fake_server_pages_etags_and_faults(fake_github):
    issue = fake_github.add_issue("o/r", "[WeeklyReports] 2025.03.03~2025.03.16")
    for n in range(250):
        fake_github.add_comment("o/r", issue["number"], f"user{n}", f"report {n}")
    etags = MemoryETags()
    client = GitHubClient(
        token="t", base_url=fake_github.base_url, etags=etags, sleep=lambda s: None
    )
    listing = client.get_all(f"/repos/o/r/issues/{issue['number']}/comments")
    assert len(listing.items) == 250 and len(listing.pages) == 3
    assert all(page.next_url.startswith("http://127.0.0.1") for page in listing.pages[:2])
    for page in listing.pages:
        etags.rows[page.url] = Cached(page.etag, page.data, page.next_url)
    client.log.requests = client.log.not_modified = 0
    again = client.get_all(f"/repos/o/r/issues/{issue['number']}/comments")
    assert len(again.items) == 250 and not again.changed
    assert (client.log.requests, client.log.units) == (3, 0)

    fake_github.fail("GET", r"/comments$", 502, query_contains="page=2", times=4)
    with pytest.raises(GitHubError):
        client.get_all(f"/repos/o/r/issues/{issue['number']}/comments")
    fake_github.fail("GET", r"/comments$", 403, headers={"retry-after": "30"})
    with pytest.raises(RateLimited):
        client.get_all(f"/repos/o/r/issues/{issue['number']}/comments")
    assert fake_github.auth_headers[-1] == "Bearer t"


# ---------------------------------------------------------------- full pages, redirects


@respx.mock
def test_304_link_header_names_the_new_next_page():
    first = f"{API}/repos/o/r/issues?per_page=100"
    etags = MemoryETags()
    etags.rows[first] = Cached(etag='"p1"', data=[{"n": i} for i in range(100)], next_url="")
    second = f"{API}/repos/o/r/issues?page=2&per_page=100"
    respx.get(first).mock(
        return_value=httpx.Response(304, headers={"Link": f'<{second}>; rel="next"'})
    )
    respx.get(second).mock(return_value=httpx.Response(200, json=[{"n": 100}]))
    client, _ = make_client(etags=etags)
    listing = client.get_all("/repos/o/r/issues")
    assert len(listing.items) == 101
    assert listing.pages[0].next_url == second and listing.pages[0].next_url_changed


@respx.mock
def test_full_last_page_answered_304_without_link_still_looks_at_the_next_page():
    first = f"{API}/repos/o/r/issues?per_page=100"
    etags = MemoryETags()
    etags.rows[first] = Cached(etag='"p1"', data=[{"n": i} for i in range(100)], next_url="")
    respx.get(first).mock(return_value=httpx.Response(304))
    second = respx.get(f"{API}/repos/o/r/issues?page=2&per_page=100").mock(
        return_value=httpx.Response(200, json=[{"n": 100}])
    )
    client, _ = make_client(etags=etags)
    assert len(client.get_all("/repos/o/r/issues").items) == 101
    assert second.called


@respx.mock
def test_reads_follow_redirects_on_the_api_host_writes_only_307():
    moved = f"{API}/repositories/42/issues/1"
    respx.get(f"{API}/repos/o/r/issues/1").mock(
        return_value=httpx.Response(301, headers={"Location": moved}, json={"message": "Moved"})
    )
    respx.get(moved).mock(return_value=httpx.Response(200, json={"number": 1}))
    respx.patch(f"{API}/repos/o/r/issues/1").mock(
        return_value=httpx.Response(307, headers={"Location": moved})
    )
    patched = respx.patch(moved).mock(return_value=httpx.Response(200, json={"number": 1}))
    respx.post(f"{API}/repos/o/r/issues/1/comments").mock(
        return_value=httpx.Response(301, headers={"Location": moved + "/comments"})
    )
    client, _ = make_client()
    assert client.get_json("/repos/o/r/issues/1") == {"number": 1}
    assert client.moved_repository_id() == 42
    assert client.patch_json("/repos/o/r/issues/1", {"body": "x"}) == {"number": 1}
    assert json.loads(patched.calls.last.request.content) == {"body": "x"}
    with pytest.raises(GitHubError, match="not repeated"):
        client.post_json("/repos/o/r/issues/1/comments", {"body": "x"})


@respx.mock
def test_raw_contents_are_read_no_further_than_asked():
    respx.get(f"{API}/repos/o/r/contents/a.md").mock(
        return_value=httpx.Response(200, content=b"x" * 5000)
    )
    client, _ = make_client()
    raw = client.get_raw("/repos/o/r/contents/a.md", max_bytes=100)
    assert raw == b"x" * 101
    assert respx.calls.last.request.headers["Accept"] == "application/vnd.github.raw"
