"""Video ids and URLs of each source (§6.4, §9.14): what is parsed, derived and refused."""

from __future__ import annotations

import pytest

from canopy.videos import providers
from canopy.videos.providers import InvalidVideo, Located

ID = "BMi_rlAnwIg"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={ID}",
        f"http://youtube.com/watch?v={ID}",
        f"https://m.youtube.com/watch?v={ID}&t=42s",
        f"https://www.youtube.com/watch?feature=share&v={ID}&list=PL123",
        f"https://music.youtube.com/watch?v={ID}",
        f"https://youtu.be/{ID}",
        f"https://youtu.be/{ID}?t=10",
        f"https://www.youtube.com/embed/{ID}",
        f"https://www.youtube-nocookie.com/embed/{ID}?rel=0",
        f"https://www.youtube.com/shorts/{ID}",
        f"https://www.youtube.com/live/{ID}?feature=share",
        f"https://www.youtube.com/v/{ID}",
        f"https://WWW.YouTube.com./watch?v={ID}",
    ],
)
def test_youtube_urls_give_the_video_id(url: str) -> None:
    assert providers.youtube_id(url) == ID


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=short",
        f"https://www.youtube.com/watch?v={ID}x",
        f"https://www.youtube.com/watch?v={ID}&v=AAAAAAAAAAA",
        "https://www.youtube.com/watch",
        f"https://www.youtube.com/channel/{ID}",
        f"https://www.youtube.com/@canopy/{ID}",
        f"https://evil-youtube.com/watch?v={ID}",
        f"https://youtube.com.evil.example/watch?v={ID}",
        f"https://vimeo.com/{ID}",
        f"javascript:alert(1)//youtube.com/watch?v={ID}",
        f"ftp://www.youtube.com/watch?v={ID}",
        f"//www.youtube.com/watch?v={ID}",
        f"https://www.youtube.com/watch?v={ID} ",
        f"https://www.youtube.com:99999/watch?v={ID}",
        "",
    ],
)
def test_other_urls_give_no_youtube_id(url: str) -> None:
    assert providers.youtube_id(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.dailymotion.com/video/x8abc12", "x8abc12"),
        ("https://dailymotion.com/video/x8abc12?playlist=x6hynp", "x8abc12"),
        ("https://www.dailymotion.com/video/x2jvvep_some-title_news", "x2jvvep"),
        ("https://www.dailymotion.com/embed/video/x8abc12", "x8abc12"),
        ("https://dai.ly/x8abc12", "x8abc12"),
        ("https://geo.dailymotion.com/player.html?video=x8abc12", "x8abc12"),
        ("https://www.dailymotion.com/x8abc12", None),
        ("https://www.dailymotion.com/video/", None),
        ("https://www.youtube.com/video/x8abc12", None),
    ],
)
def test_dailymotion_urls(url: str, expected: str | None) -> None:
    assert providers.dailymotion_id(url) == expected


@pytest.mark.parametrize(
    ("source", "reference", "url", "expected"),
    [
        ("youtube", ID, None, Located(ID, f"https://www.youtube.com/watch?v={ID}")),
        (
            "youtube",
            None,
            f"https://youtu.be/{ID}?t=3",
            Located(ID, f"https://www.youtube.com/watch?v={ID}"),
        ),
        (
            "youtube",
            ID,
            f"https://www.youtube.com/embed/{ID}",
            Located(ID, f"https://www.youtube.com/watch?v={ID}"),
        ),
        (
            "dailymotion",
            "x8abc12",
            None,
            Located("x8abc12", "https://www.dailymotion.com/video/x8abc12"),
        ),
        (
            "dailymotion",
            None,
            "https://dai.ly/x8abc12",
            Located("x8abc12", "https://www.dailymotion.com/video/x8abc12"),
        ),
        (
            "360player",
            "tour-2024",
            "https://360player.example/v/tour-2024",
            Located("tour-2024", "https://360player.example/v/tour-2024"),
        ),
    ],
)
def test_locate_derives_the_missing_half(
    source: providers.Source, reference: str | None, url: str | None, expected: Located
) -> None:
    assert providers.locate(source, reference, url) == expected


@pytest.mark.parametrize(
    ("source", "reference", "url", "message"),
    [
        ("youtube", None, None, "external_reference is missing (or give url)"),
        ("youtube", "short", None, "external_reference is invalid: not a YouTube video id"),
        ("youtube", None, "https://vimeo.com/1", "url is invalid: not a YouTube video URL"),
        (
            "youtube",
            "AAAAAAAAAAA",
            f"https://youtu.be/{ID}",
            f"external_reference does not match url ({ID})",
        ),
        (
            "dailymotion",
            None,
            f"https://youtu.be/{ID}",
            "url is invalid: not a Dailymotion video URL",
        ),
        (
            "360player",
            None,
            "https://360player.example/v/1",
            "external_reference is missing (a 360player video needs it)",
        ),
        ("360player", "tour", None, "url is missing (a 360player video needs it)"),
        (
            "360player",
            "tour",
            "javascript:alert(1)",
            "url is invalid: must be an absolute http or https URL",
        ),
    ],
)
def test_locate_refuses_what_names_no_video(
    source: providers.Source, reference: str | None, url: str | None, message: str
) -> None:
    with pytest.raises(InvalidVideo) as raised:
        providers.locate(source, reference, url)
    assert str(raised.value) == message
