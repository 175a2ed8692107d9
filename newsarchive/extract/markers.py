"""Every XPath, class word, pattern and threshold that the generic heuristics look for, named, in one place.

The model is trafilatura's ``xpaths.py`` and ``settings.py``: to see what the extractor takes for a byline, a
date line, a body or a listing, read this file; to teach it a new form, change it here. A site profile's own
selectors stay in its file under ``newsarchive/sites/``.
"""

from __future__ import annotations

import re

# -- Body text and boilerplate (extract/blocks.py) ---------------------------------------------------------

BLOCK_TAGS = frozenset(
    (
        "p div h1 h2 h3 h4 h5 h6 li ul ol blockquote section article table tr td th figure header footer"
        " dl dt dd"
        " pre hr form aside main nav address center details summary fieldset"
    ).split()
)
# Never body text, whatever their class.
SKIP_TAGS = frozenset(
    (
        "script style noscript template svg button input select textarea form iframe video audio object embed"
        " figure figcaption picture aside nav footer label canvas map"
    ).split()
)
# Class/id words of boilerplate blocks: sharing, related links, tags, comments, ads, captions, galleries...
BOILERPLATE_MARKERS = re.compile(
    r"share(?!able)|sharing|social|related|recommend|comment|talkback|newsletter|subscri|promo|advert|banner|outbrain|"
    r"taboola|dfp|google_ads|\bads?\b|ad-slot|adunit|caption|credit|gallery|slideshow|video|player|breadcrumb|"
    r"trajectory|\btags?\b|tagslist|tags-list|keywords|popup|modal|cookie|consent|readmore|read-more|more-articles|"
    r"sidebar|toolbar|\brate\b|rating|bigpicture|mobile-link|author|byline|writer|\bdate\b|datedisplay|timestamp|"
    r"disclaimer|contact_us|findmistake|notifymistake|paywall|premiumcontent|premium[_-]?blocked|subscription|print-only|sr-only|"
    r"screen-reader|visually-hidden|(?<![\w-])hidden(?![\w-])|inarticleholdimage|imageinfo|imagecomponent",
    re.I,
)
# Paragraphs that are calls to action, not article text.
BOILERPLATE_TEXT = re.compile(
    r"^(?:קראו\s+(?:עוד|גם|עכשיו|את)|לקריאה\s+נוספת|לכתבה\s+המלאה|לכל\s+הכתבות|עוד\s+באותו\s+נושא|עוד\s+כתבות|"
    r"כתבות\s+נוספות|מצאתם\s+טעות|הצטרפו|הירשמו|הרשמו|להרשמה|הרשמה\s+לניוזלטר|לחצו\s+כאן|לחץ\s+כאן|"
    r"עקבו\s+אחרינו|שתפו|שתף|לתגובות|הוסף\s+תגובה|הוספת\s+תגובה|כל\s+הזכויות\s+שמורות|©|"
    r"Read\s+(?:this|the)\s+(?:article|story)\s+in\s+English|Click\s+here|Subscribe|Sign\s+up|"
    r"אנו\s+משתמשים\s+בעוגיות|האתר\s+משתמש\s+בקבצי|באתר\s+זה\s+נעשה\s+שימוש|"
    r"(?:ה)?(?:כתבה|ידיעה)\s+(?:פורסמה|התפרסמה)\s+לראשונה|פורסם\s+לראשונה|"
    r"תגיות|נושאים\s+קשורים|עוד\s+בנושא|מומלצים|המומלצים|"
    r"להמשך\s+קריאה|רוצים\s+להמשיך\s+לקרוא|לקריאת\s+הכתבה\s+המלאה|למנויים\s+בלבד|"
    r"צילום\s*:|צילומים\s*:|קרדיט\s*:)",
    re.I,
)
# a line that is only a date and a time ("24/10/2014 08:12", "12.03.24 | 14:05"): the page's date line
# inside the body's container, never article text
DATE_LINE = re.compile(
    r"^[\s|,\-–]*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:[\s|,\-–]*\d{1,2}:\d{2}(?::\d{2})?)?[\s|,\-–]*$"
    r"|^\s*\d{1,2}:\d{2}[\s|,\-–]+\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\s*$"
)
#: a line this much link text is a link standing alone (a related story), not a paragraph
LINK_LINE_DENSITY = 0.85

# -- The body's container (layers/generic/landmarks.py) ----------------------------------------------------

# Paragraph-like blocks: <p>, and text-only <div>s (editors that wrap each paragraph in divs and spans).
LEAF_DIVS = "//div[not(.//p or .//div or .//section or .//ul or .//table)]"
TEXT_BLOCKS = (
    "//p | //div[text()[string-length(normalize-space()) > 40]]"
    " | //article[text()[string-length(normalize-space()) > 40]]"
    f" | {LEAF_DIVS}[string-length(normalize-space()) > 40]"
)
#: a paragraph-like block shorter than this is a label, a caption or a button, not text
TEXT_BLOCK_MIN_CHARS = 25
# before a paywall the public text may be one short line: these blocks, this short, when nothing else is found
SHORT_TEXT_BLOCKS = f"//p | {LEAF_DIVS}"
SHORT_TEXT_BLOCK_MIN_CHARS = 8
#: a block with more link text than this share is a menu or a list of headlines, not body text
MAX_LINK_SHARE = 0.5
#: a block's text counts for its parent, and this share of it for its grandparent (a body wrapped twice)
GRANDPARENT_SHARE = 0.5
#: a child of the best container that holds this share of its score as <br>-separated text is the body
BR_BODY_SHARE = 0.6
#: a wrapper that wins only through short blocks of its own (subtitle, byline) gives way to its child
#: holding this share of its score
INNER_BODY_SHARE = 0.85
#: text inside these is never the body (a form wrapping the whole page, as ASP.NET prints, excepted)
NEVER_BODY = "//nav | //footer | //aside | //form"
# where a byline or a date line sits between headline and body (<font> and <small> on 2000s table layouts)
HEADER_BLOCK_TAGS = frozenset(("div", "p", "span", "li", "font", "small", "time"))
#: a header block (byline, date line) is short: longer is text, shorter is a label or an icon's text
HEADER_BLOCK_MIN_CHARS = 4
HEADER_BLOCK_MAX_CHARS = 160
#: where the body holds the headline too, its text has begun after this many blocks or at a block this long
BODY_BEGUN_BLOCKS = 40
BODY_BEGUN_CHARS = 300
# Inside a comment, a related story or a teaser: never the article's own byline or date.
FOREIGN_CONTEXT = re.compile(r"comment|talkback|related|recommend|teaser|promo", re.I)

# -- Headline and subtitle (layers/generic, layers/meta.py) ------------------------------------------------

# "רוח החג || " before a headline: a rubric label, not part of it
KICKER = re.compile(r"^[^|]{2,30}?\s*\|\|\s*(?=\S)")
# "headline - site" in a <title> or og:title: the suffix a short site or section name
TITLE_SUFFIX = re.compile(r"^(?P<title>.+?)\s+[-|–—:]\s+(?P<suffix>[^-|–—]{1,40})$")
# Blocks whose class or id may name a subtitle or lead (checked against SUBTITLE_MARKERS).
SUBTITLE_ELEMENTS = (
    "//*[contains(@class,'sub') or contains(@class,'Sub') or contains(@class,'lead')"
    " or contains(@class,'teaser') or contains(@id,'ub') or contains(@class,'dek')"
    " or contains(@class,'excerpt')]"
)
SUBTITLE_MARKERS = re.compile(
    r"sub-?title|subhead|sub_title|lead|dek|excerpt|summary|teaser|standfirst|intro|description", re.I
)
# the short block of names and times between a headline and its subtitle (read past, not taken)
BYLINE_OR_DATE = re.compile(r"author|writer|byline|reporter|date|time|publish", re.I)
BYLINE_BLOCK_MAX_CHARS = 200
#: a subtitle is a sentence or two: shorter is a label, longer is body text
SUBTITLE_MIN_CHARS = 15
SUBTITLE_MAX_CHARS = 400

# -- Meta tags (layers/meta.py) ----------------------------------------------------------------------------

# the meta names of an article's times, the likelier first
META_PUBLISHED = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "published_time",
    "publish-date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
    "parsely-pub-date",
    "datepublished",
    "vr:published_time",
)
META_UPDATED = ("article:modified_time", "og:updated_time", "modified_time", "datemodified", "last-modified")
META_AUTHORS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
META_TAGS = "//meta[@property='article:tag' or @name='article:tag']"
#: article:content_tier values of an article behind a paywall
PAID_TIERS = ("locked", "metered", "premium")

# -- Bylines (layers/generic/bylines.py, and a body's first or last line) ----------------------------------

#: class words of the elements that may print the article's byline
AUTHOR_CLASS_WORDS = (
    "author", "Author", "byline", "Byline", "writer", "Writer", "autor", "reporter", "by-line", "journalist",
    "columnist",
)  # fmt: skip
AUTHOR_MARKED = ".//*[@rel='author' or @itemprop='author' or contains(@id,'uthor')]"
# the page's class names are looked for these first: no byline class, no search
AUTHOR_WORDS = ("author", "byline", "by-line", "writer", "reporter", "autor", "journalist", "columnist")
# a link to a writer's own page: /writer/12, /author/dana/, /misc/writers/WRITER-1.1, /ty-writer/0000-...
WRITER_HREF = re.compile(r"/(?:ty-)?writers?(?:/|-|\.|$)|/authors?/", re.I)
#: a byline-classed text this short or long is no name (an initial, a paragraph)
NAME_MIN_CHARS = 2
NAME_MAX_CHARS = 80
#: no more names than this from a heuristic (a longer list is a list of writers, not a byline)
MAX_NAMES = 8
#: a block whose author blocks hold this share of its text only groups them (read them, not it)
GROUPED_NAMES_SHARE = 0.6
BYLINE_LABEL_START = re.compile(r"^\s*(?:(?:מאת|by)\s*:?\s+|(?:כתב|כתבה|כתבו|מאתר)\s*:\s*)\S", re.I)
#: a first body line "מאת: ..." longer than this is a sentence, not a byline
BYLINE_LINE_MAX_CHARS = 60
# a block classed as a credit line is the article's byline unless it is a picture's
CREDIT_LINE = re.compile(r"credit", re.I)
PICTURE_MARK = re.compile(r"image|img|photo|pic|figure|caption", re.I)
PHOTO_LABEL = re.compile(r"צילום|צלם|קרדיט|photo|credit\s*:", re.I)

# -- Dates (layers/generic/dates.py) -----------------------------------------------------------------------

PUBLISHED_ELEMENTS = ".//time[@datetime] | .//*[@itemprop='datePublished']"
UPDATED_ELEMENTS = (
    ".//*[@itemprop='dateModified'] | .//time[contains(@class,'updated') or contains(@class,'modified')]"
)
#: class words of the elements that may print the article's time
DATE_CLASS_WORDS = ("date", "Date", "time", "Time", "publish")
#: a date-classed block's text is a date when it is this long (longer: a paragraph that mentions one)
DATE_MIN_CHARS = 6
DATE_MAX_CHARS = 80
#: a date line opening the body: within its first blocks, and this short
BODY_DATE_LINE_BLOCKS = 5
DATE_LINE_MAX_CHARS = 40
#: a byline block (author, date, time) longer than this is not one
BYLINE_BLOCK_DATE_MAX_CHARS = 250
#: a day without a time takes its clock from a neighbourhood of at most this much text
NEARBY_CLOCK_MAX_CHARS = 3000
CLOCK = re.compile(r"(?<![\d:.])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])")
NUMERIC_DATE = re.compile(r"(?<!\d)\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?!\d)")
UPDATED_LABEL = re.compile(r"עודכן|עודכנה|עדכון|updated|modified", re.I)
LABELLED_DATE = re.compile(
    r"(?:פורסם|פורסמה|עודכן|published|posted)\s*:?\s*.{0,20}?\d{1,2}[./-]\d{1,2}[./-]\d{2}", re.I
)
# "עודכן: 13.03.24" - an update time, not the publication
UPDATE_FIRST = re.compile(r"^\s*(?:עודכן|עודכנה|עדכון(?:\s+אחרון)?|updated|last\s+updated|modified)\b", re.I)
# a byline and date line with no label and no class: "דנה לוי | 12.03.24 | 14:05"
DATE_LABEL_START = re.compile(
    r"^\s*(?:פורסם|פורסמה|עודכן|עודכנה|עדכון|תאריך|יום|published|updated|posted)", re.I
)
BYLINE_BLOCKS = (
    ".//*[contains(@class,'author') or contains(@class,'byline') or contains(@class,'Byline')"
    " or contains(@class,'article-info') or contains(@class,'article-meta') or contains(@class,'autor')]"
)

# -- Pictures, captions and credits (extract/images.py) ---------------------------------------------------

NOT_A_PHOTO = re.compile(
    r"logo|icon|avatar|spacer|pixel|blank|sprite|button|banner|/ads?/|placeholder|loader|\.svg(?:$|\?)|"
    r"\.gif(?:$|\?)|default|defualt|data:image|1x1|tracking|emoji|flag",
    re.I,
)
# Posters of players and thumbnails of related stories are not the article's pictures.
NOT_ARTICLE_CONTAINER = re.compile(
    r"video|player|related|recommend|promo|taboola|outbrain|teaser|share(?!able)|social|avatar|author|writer|"
    r"comment|talkback|\bads?\b|banner|logo",
    re.I,
)
#: an AMP page's pictures are <amp-img> (and <amp-anim> for animations, which are no photographs)
PICTURE_TAGS = ("img", "amp-img")
SRC_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-full-src", "src")
CAPTION_MARKERS = re.compile(
    r"caption|credit|imageinfo|image-info|photo-text|img-text|legend|(?:img|image|photo|pic)[_-]?desc", re.I
)
# the article's own picture in a side column, outside the article region: a block classed as such
ARTICLE_PICTURE_CLASSES = (
    "ArticleImage",
    "article-image",
    "article_image",
    "lead-image",
    "main-image",
    "featured-image",
)
ARTICLE_PICTURE = (
    "//*[" + " or ".join(f"contains(@class,'{name}')" for name in ARTICLE_PICTURE_CLASSES) + "]/img"
)
# a link to a picture file: a gallery slide's full-size picture
IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|webp)(?:[?#]|$)", re.I)
#: a picture narrower or lower than this (by its attributes) is a thumbnail, not the article's photograph
THUMBNAIL_PX = 150
# an alt text that is only a file name ("IMG_2041.jpg") is no caption
IMAGE_FILE_NAME = re.compile(r"\.(?:jpe?g|png|webp)$", re.I)

# -- Section, tags, paywall (layers/generic/sections.py) ---------------------------------------------------

BREADCRUMBS = (
    "//*[contains(@class,'crumb') or contains(@class,'Crumb') or contains(@class,'trajector')"
    " or contains(@aria-label,'readcrumb')]"
)
# a link to a tag page ("tags.walla.co.il/...", "/tag/...", "/tags/..."): a tag, never a breadcrumb step
TAG_ADDRESS = re.compile(r"//tags?\.|/(?:tag|tags|keyword|keywords)/", re.I)
SECTION_LABELS = (
    "//*[contains(@class,'section-head') or contains(@class,'section-title')"
    " or contains(@class,'section-name') or contains(@class,'channel-name')"
    " or contains(@class,'category-name') or contains(@class,'sectionTitle')]"
)
# WordPress marks a post's categories rel="category tag"
CATEGORY_LINKS = ".//a[contains(concat(' ', normalize-space(@rel), ' '), ' category ')]"
TAG_CLASS_WORDS = ("tags", "Tags", "keywords")
#: a tag (or a post category) is a word or a few; a tag list longer than MAX_TAGS is a tag cloud
TAG_MAX_CHARS = 40
MAX_TAGS = 30
#: a section label before the headline is a word or two
SECTION_LABEL_MAX_CHARS = 25
# "/news/.premium-1.2198200", "/premium/...", "-premium-": a premium article's address, on news sites
PREMIUM_PATH = re.compile(r"(?:^|[/.\-])premium(?:[/.\-]|$)")

# -- Is it an article? (extract/gate.py) -------------------------------------------------------------------

#: less text than this is no body (a paywalled article excepted)
MIN_BODY_CHARS = 40
# A title that IS an error message (whole, or one part of "404 - הדף לא נמצא | site"), not one that mentions a
# number or a word ("500 אלף בתים ללא חשמל", "שגיאה חמורה של השופט", "אופס: ...", "403 עובדים פוטרו").
ERROR_MESSAGE = re.compile(
    r"(?:(?:error|שגיאה|שגיאת)\s*)?(?:404|403|410|500|502|503)(?:\s*(?:error|שגיאה))?|"
    r"(?:error|שגיאה)(?:\s+\d{3})?|"
    r"(?:(?:404|500)\s*[-:]?\s*)?(?:page|file)\s+not\s+found|not\s+found|forbidden|access\s+denied|"
    r"internal\s+server\s+error|service\s+unavailable|bad\s+gateway|server\s+error|"
    r"(?:אופס[!.\s]*)?(?:ה?דף|ה?עמוד|ה?כתבה)(?:\s+(?:המבוקש|המבוקשת|שחיפשת|שביקשת))?\s+(?:לא|אינו|אינה)\s+"
    r"(?:נמצא|נמצאה|קיים|קיימת|זמין|זמינה)[!.]*|אופס[!.]*|משהו\s+השתבש[!.]*|אירעה\s+שגיאה[!.]*",
    re.I,
)
# An error page's own phrasing anywhere in a short page with no article metadata.
ERROR_PHRASE = re.compile(
    r"page\s+not\s+found|the\s+page\s+you\s+(?:requested|are\s+looking\s+for)|"
    r"(?:ה?דף|ה?עמוד)\s+(?:המבוקש\s+|שחיפשת\s+|שביקשת\s+)?(?:לא\s+נמצא|אינו\s+קיים|לא\s+קיים|הוסר)|"
    r"(?:ה?דף|ה?עמוד)\s+(?:שחיפשת|שביקשת)|שגיאה\s+404|error\s+404|404\s+error",
    re.I,
)
# the parts of a title: "headline - section | site"
TITLE_SEPARATOR = re.compile(r"\s+[-|–—]\s+|\s*\|\s*")
TITLE_PARTS = re.compile(r"\s+[-|–—:]\s+|\s*\|\s*")
#: an error page says a line or two; an article whose headline looks like an error has a body
ERROR_BODY_CHARS = 400
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage"}
#: without a headline or metadata, a page needs this much text (and 3 paragraphs) to be an article
MIN_UNMARKED_BODY = 200
#: ... and that text must hold this share of the page's paragraph text
MIN_UNMARKED_DOMINANCE = 0.5
#: linked headlines or titles in the body's container that make it a listing (with as many paragraphs)
MIN_LISTING_TITLES = 3
#: headed items under a one- or two-word title ("מבזקים") that make a listing
MIN_LISTING_ITEMS = 5
#: a body holding less than this share of the page's paragraph text is one block of a listing
MAX_LISTING_DOMINANCE = 0.3
HEADINGS = ".//h2 | .//h3 | .//h4"
LINKED_HEADINGS = ".//h2[.//a] | .//h3[.//a] | .//h4[.//a] | .//a[.//h2 or .//h3 or .//h4]"
VIDEO_TYPES = re.compile(r"video", re.I)
VIDEO_PLAYERS = "//video | //iframe[contains(@src,'youtube') or contains(@src,'player')]"
CONSENT_TEXT = re.compile(
    r"cookies?|consent|privacy|personal data|עוגיות|עוגיה|קבצי\s+cookie|הסכמה|מסכים|מסכימה|אני\s+מאשר|"
    r"מדיניות\s+(?:ה)?פרטיות|פרטיות",
    re.I,
)
APP_ROOT = "//*[@id='__next' or @id='root' or @id='app' or @id='__nuxt' or @id='___gatsby' or @ng-version]"
#: a page showing fewer characters than this without JavaScript is a shell, not a page with a short text
SHELL_CHARS = 400
#: a page showing more text than this is no consent wall or script shell, whatever else it says
EMPTY_PAGE_MAX_CHARS = 4000
#: a page this short that speaks of cookies and consent twice is a consent wall
CONSENT_WALL_MAX_CHARS = 1500
