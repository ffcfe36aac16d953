"""One language per page: every page of the shared camp, rendered in zh-hans,
shows none of the English texts people found there, and the error pages are
the app's own, in both languages, with DEBUG off."""

import html
import re

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

# Seen on zh-hans pages before: admin model and filter names, the lockout
# section, DRF's root, Django's error pages, the brand in English.
KNOWN_OFFENDERS = [
    "Users",
    "以 period",
    "以 cohort",
    "以 student",
    "Axes",
    "Access attempts",
    "Access failures",
    "Access logs",
    "Model name",
    "Add link",
    "Change or view list link",
    "Api Root",
    "The default basic root view",
    "Django REST framework",
    "Not Found",
    "The requested resource was not found",
    "Server Error",
    "403 Forbidden",
    "Camp Reports",
    "Review queue",
    "Administrator",
]

PAGES = {
    "admin": [
        "/",
        "/admin/",
        "/admin/reports/report/",
        "/admin/reports/period/",
        "/admin/reports/allowance/",
        "/admin/camp/user/",
        "/admin/axes/accessattempt/",
        "/api/",
        "/overview/camp/",
        "/reminders/camp/",
        "/accounts/profile/",
        "/account/tokens/",
        "/no-such-page/",
    ],
    "ta": ["/", "/admin/", "/admin/reports/report/", "/overview/camp/", "/api/"],
    "alice": ["/", "/reports/", "/accounts/profile/", "/api/", "/overview/camp/"],
}


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("who", PAGES)
def test_no_english_on_zh_hans_pages(client, camp, who):
    client.force_login(getattr(camp, who))
    for path in PAGES[who]:
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code in (200, 404), (path, response.status_code)
        text = visible_text(response.content.decode())
        found = [word for word in KNOWN_OFFENDERS if word in text]
        assert found == [], (who, path, found)


def test_the_api_root_is_a_page_of_the_app_in_both_languages(client, camp):
    client.force_login(camp.alice)
    page = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert "交互式文档" in page and 'href="/api/docs/"' in page and 'href="/api/schema/"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert "Interactive documentation" in page and "The default basic root view" not in page
    # Clients that do not ask for HTML get the endpoints as JSON.
    endpoints = client.get("/api/", HTTP_ACCEPT="application/json").json()
    assert endpoints["reports"] == "http://testserver/api/reports/"


def test_the_404_page_is_the_apps_in_both_languages(client, camp, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/no-such-page/").content.decode()


@pytest.mark.parametrize(
    ("view", "language", "expected"),
    [
        (defaults.permission_denied, "zh-hans", "无权操作"),
        (defaults.permission_denied, "en", "Not allowed"),
        (defaults.server_error, "zh-hans", "出错了"),
        (defaults.server_error, "en", "Something went wrong"),
    ],
)
def test_403_and_500_pages_are_the_apps(rf: RequestFactory, camp, view, language, expected):
    request = rf.get("/somewhere/")
    request.user = camp.alice
    with translation.override(language):
        if view is defaults.server_error:
            response = view(request)
        else:
            response = view(request, exception=PermissionError("no"))
    page = response.content.decode()
    assert expected in page
    assert "403 Forbidden" not in page and "Server Error (500)" not in page


def test_emails_come_from_the_brand_the_site_shows(settings):
    assert settings.DEFAULT_FROM_EMAIL.startswith("训练营周报 <")
