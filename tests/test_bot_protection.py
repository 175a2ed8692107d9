"""Bot-protection, challenge and captcha shells are refused as such, never stored or taken for articles
(issue 14). The shells below are written from what these vendors' pages carry (titles, element ids,
script addresses), with no text of any real page."""

from __future__ import annotations

import json

import pytest

from newsarchive import NotAnArticle, extract_article
from newsarchive.extract import bot_protection_reason

from .conftest import FIXTURES

URL = "https://www.ynet.co.il/news/article/abc123"

SHELLS = {
    "Cloudflare challenge": (
        "<!DOCTYPE html><html lang='en-US'><head><title>Just a moment...</title>"
        "<meta name='robots' content='noindex,nofollow'></head><body><div class='main-wrapper'>"
        "<h1 class='zone-name-title h1'>www.ynet.co.il</h1><h2 id='challenge-running'>Checking if the site"
        " connection is secure</h2><noscript><div id='challenge-error-text'>Enable JavaScript and cookies to"
        " continue</div></noscript></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone:"
        " 'www.ynet.co.il',cType: 'managed'};var a=document.createElement('script');a.src="
        "'/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1';})();</script></body></html>"
    ),
    "Cloudflare block": (
        "<html><head><title>Attention Required! | Cloudflare</title></head><body><div id='cf-wrapper'>"
        "<div id='cf-error-details'><h1>Sorry, you have been blocked</h1><h2>You are unable to access"
        " ynet.co.il</h2><p>Cloudflare Ray ID: 8a1b2c3d4e5f</p></div></div></body></html>"
    ),
    "Imperva/Incapsula": (
        "<html><head><META NAME='robots' CONTENT='noindex,nofollow'><script src='/_Incapsula_Resource?"
        "SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4,719d34d31c8e3a6e6fffd425f7e032f3'></script></head>"
        "<body><iframe id='main-iframe' src='/_Incapsula_Resource?SWUDNSAI=31&xinfo=8-1234-0%20NNNN'"
        " frameborder=0 width='100%' height='100%'>Request unsuccessful. Incapsula incident ID:"
        " 123000450012345678-1234</iframe></body></html>"
    ),
    "Akamai": (
        "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \nYou don't have"
        ' permission to access "http&#58;&#47;&#47;www&#46;ynet&#46;co&#46;il&#47;news&#47;" on this'
        " server.<P>\nReference&#32;&#35;18&#46;5c1f2e17&#46;1700000000&#46;1a2b3c4d\n<P>"
        "https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5c1f2e17</P></BODY></HTML>"
    ),
    "PerimeterX": (
        "<html lang='en'><head><title>Access to this page has been denied</title></head><body>"
        "<div class='px-captcha-container'><div class='px-captcha-header'>Before we continue...</div>"
        "<div class='px-captcha-message'>Press &amp; Hold to confirm you are a human (and not a bot).</div>"
        "<div id='px-captcha'></div></div><script>window._pxAppId='PXabc123';window._pxJsClientSrc="
        "'/abc123/init.js';</script><script src='https://captcha.px-cdn.net/PXabc123/captcha.js?a=c&u=1'>"
        "</script></body></html>"
    ),
    "DataDome": (
        "<html><head><title>ynet.co.il</title><style>#cmsg{animation: A 1.5s;}</style></head><body"
        " style='margin:0'><p id='cmsg'>Please enable JS and disable any ad blocker</p><script"
        " data-cfasync='false'>var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B869FA6EAFFB5E1',"
        "'t':'fe','s':17434,'e':'a1b2','host':'geo.captcha-delivery.com'}</script><script data-cfasync="
        "'false' src='https://ct.captcha-delivery.com/c.js'></script></body></html>"
    ),
    "Radware/ShieldSquare": (
        "<html><head><title>Radware Captcha Page</title></head><body><div class='container'>"
        "<h1>We apologize for the inconvenience...</h1><p>...but your activity and behavior on this site made"
        " us think that you are a bot.</p><form action='https://validate.perfdrive.com/captcha'"
        " method='post'><div class='g-recaptcha' data-sitekey='6Lc'></div></form></div></body></html>"
    ),
    "challenge page": (
        "<html><head><title>Security check</title></head><body><h1>בדיקת אבטחה</h1><p>Checking your browser"
        " before accessing the site. This process is automatic. Your browser will redirect to your requested"
        " content shortly.</p><noscript>Please enable JavaScript.</noscript><script>setTimeout(function(){"
        "document.forms[0].submit()},5000)</script><form method='post'><input type='hidden' name='jschl_vc'"
        " value='1'></form></body></html>"
    ),
}


@pytest.mark.parametrize("vendor", list(SHELLS))
def test_shells_are_blocked_pages(vendor: str) -> None:
    html = SHELLS[vendor]
    reason = bot_protection_reason(html.encode(), 403)
    assert reason is not None and reason.startswith("blocked by bot protection (")
    assert reason == bot_protection_reason(html)  # no status needed for a shell with its markers
    with pytest.raises(NotAnArticle) as caught:
        extract_article(html.encode(), URL)
    assert caught.value.reason == reason


def test_the_vendor_is_named() -> None:
    for vendor in ("Cloudflare", "Imperva/Incapsula", "Akamai", "PerimeterX", "DataDome", "Radware"):
        assert vendor in bot_protection_reason(SHELLS[next(k for k in SHELLS if k.startswith(vendor))])


PROSE = "טקסט של פסקה ארוכה מספיק כדי להיות גוף של כתבה אמיתית, עם עוד כמה מילים ועוד משפט. " * 6


@pytest.mark.parametrize(
    "script",
    [
        "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>",  # on every Cloudflare page
        "<script>window._pxAppId='PXabc123';</script><script src='//client.perimeterx.net/PXabc/main.min.js'>"
        "</script>",
        "<script src='https://js.datadome.co/tags.js'></script><script>window.ddjskey='ABC';</script>",
        "<div class='g-recaptcha' data-sitekey='x'></div><p>Are you a robot? Prove it to comment.</p>",
    ],
)
def test_an_article_carrying_a_vendors_script_is_an_article(script: str) -> None:
    html = (
        "<html lang='he'><head><title>כותרת הכתבה - אתר</title><meta property='og:type' content='article'>"
        f"</head><body><article><h1>הכנסת אישרה את חוק התקציב בקריאה שלישית</h1><p>{PROSE}</p><p>{PROSE}</p>"
        f"<p>{PROSE}</p></article>{script}</body></html>"
    )
    assert bot_protection_reason(html, 200) is None
    assert extract_article(html.encode(), URL).headline == "הכנסת אישרה את חוק התקציב בקריאה שלישית"


def test_no_fixture_page_is_taken_for_a_shell() -> None:
    for path in FIXTURES.rglob("*.html"):
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if gold.get("reason", "").startswith("blocked by bot protection"):
            assert bot_protection_reason(path.read_bytes(), 403) == gold["reason"], path
        else:
            assert bot_protection_reason(path.read_bytes(), 200) is None, path


@pytest.mark.parametrize("status", [403, 429, 503])
def test_a_refusal_naming_bots(status: int) -> None:
    html = (
        "<html><body><p>Automated requests are not allowed. Mail us if you are not a bot.</p></body></html>"
    )
    assert bot_protection_reason(html, status).startswith("blocked by bot protection")
    assert bot_protection_reason("<html><body><p>Not found</p></body></html>", 404) is None


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02" * 100, "<<<>>>", "x" * 10])
def test_odd_input_is_no_crash(data: bytes | str) -> None:
    assert bot_protection_reason(data) is None
