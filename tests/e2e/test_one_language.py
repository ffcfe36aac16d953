"""The overview, the admin index, the API root and the 404 page in zh-hans and
in English, each in one language; screenshots of all eight are kept."""

import pytest

from reports.demo import seed_demo
from tests.e2e.conftest import sign_in

# What each page says in each language, and what it must not say.
EXPECTED = {
    "zh-hans": {
        "overview": "进度总览",
        "admin": "登录锁定",
        "api": "交互式文档",
        "404": "页面不存在",
    },
    "en": {
        "overview": "Progress overview",
        "admin": "Sign-in lockouts",
        "api": "Interactive documentation",
        "404": "Page not found",
    },
}
NEVER = ["The default basic root view", "Api Root", "Not Found", "Axes"]


@pytest.fixture
def demo(transactional_db):
    return seed_demo(students=24, mentors=5, periods=10, password="pw").cohort


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_in_one_language(page, demo, screenshot_dir, language):
    sign_in(page, "admin")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])
    pages = {
        "overview": f"/overview/{demo.slug}/",
        "admin": "/admin/",
        "api": "/api/",
        "404": "/no-such-page/",
    }
    for name, path in pages.items():
        page.goto(path)
        text = page.locator("body").inner_text()
        assert EXPECTED[language][name].lower() in text.lower(), (language, name)
        assert not [word for word in NEVER if word in text], (language, name)
        if language == "zh-hans":
            assert "Users" not in text and "Camp Reports" not in text, name
        page.screenshot(
            path=str(screenshot_dir / f"{name}-{language}.png"), full_page=name != "overview"
        )
