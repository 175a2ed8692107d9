"""Article pictures with their captions and photo credits."""

from __future__ import annotations

from lxml import etree

from ..article import Image
from ..credits import split_credit
from ..sites.base import ImageRule
from ..text import clean
from .elements import class_and_id, text_of
from .markers import (
    ARTICLE_PICTURE,
    ARTICLE_PICTURE_CLASSES,
    CAPTION_MARKERS,
    IMAGE_FILE,
    IMAGE_FILE_NAME,
    NOT_A_PHOTO,
    NOT_ARTICLE_CONTAINER,
    PICTURE_TAGS,
    SRC_ATTRIBUTES,
    THUMBNAIL_PX,
)
from .page import Page


def images_by_rules(page: Page, rules: tuple[ImageRule, ...]) -> list[Image]:
    found: list[Image] = []
    for rule in rules:
        for item in page.select(rule.item):
            image = _image_from_rule(page, rule, item)
            if image is not None:
                found.append(image)
    return _dedupe(found)


def _image_from_rule(page: Page, rule: ImageRule, item: etree._Element) -> Image | None:
    src = None
    if rule.link:
        link = page.first(rule.link, item)
        src = page.absolute(link.get("href")) if link is not None else None
    img = page.first(rule.img, item) if rule.img else None
    if src is None and img is not None:
        src = _src(page, img, rule.src)
    caption_el = page.first(rule.caption, item) if rule.caption else None
    credit_el = page.first(rule.credit, item) if rule.credit else None
    caption_text = text_of(caption_el)
    credit_text = text_of(credit_el)
    if credit_text and caption_text.endswith(credit_text):
        caption_text = caption_text[: -len(credit_text)].strip()
    if not caption_text and rule.caption_from_alt and img is not None:
        caption_text = clean(img.get("alt"))
    caption, credit_in_caption = split_credit(caption_text)
    credit = None
    if credit_text:
        label_split = split_credit(credit_text)
        credit = label_split[1] or label_split[0]
    credit = credit or credit_in_caption or _credit_in_alt(img)
    if src is None and caption is None and credit is None:
        return None
    return Image(src=src, caption=caption, credit=credit)


def _credit_in_alt(img: etree._Element | None) -> str | None:
    """ "... (צילום: X)" in the alt or title text of the picture itself."""
    if img is None:
        return None
    for attribute in ("alt", "title", "data-credit"):
        text = clean(img.get(attribute))
        if text:
            credit = split_credit(text)[1] if attribute != "data-credit" else text
            if credit:
                return credit
    return None


def _src(page: Page, img: etree._Element, attributes: tuple[str, ...] = SRC_ATTRIBUTES) -> str | None:
    for attribute in attributes:
        value = img.get(attribute)
        if value and not value.startswith("data:"):
            return page.absolute(value.split(",")[0].split()[0] if attribute.endswith("srcset") else value)
    srcset = img.get("srcset") or img.get("data-srcset")
    if srcset:
        return page.absolute(srcset.split(",")[-1].split()[0])
    return None


def images_generic(
    page: Page, region: etree._Element | None, body: etree._Element | None = None
) -> list[Image]:
    """Figures with figcaptions, and pictures followed by a caption block, inside the article region;
    pictures without any caption only inside the body itself."""
    if region is None:
        return []
    found: list[Image] = []
    claimed: set[etree._Element] = set()
    for figure in region.iter("figure"):
        if _inside_foreign_block(figure, region):
            continue
        img = next(figure.iter(*PICTURE_TAGS), None)
        caption_el = next(figure.iter("figcaption"), None)
        image = _make(page, img, text_of(caption_el))
        if image is not None:
            found.append(image)
            claimed.update(figure.iter())
    for caption_el in region.iter("figcaption"):
        if caption_el in claimed or _inside_foreign_block(caption_el, region):
            continue
        # A figcaption whose <img> is loaded by script: the saved page has the caption only.
        parent = caption_el.getparent()
        img = next(parent.iter(*PICTURE_TAGS), None) if parent is not None else None
        image = _make(page, img, text_of(caption_el), keep_without_src=True)
        if image is not None:
            found.append(image)
            claimed.update(parent.iter() if parent is not None else ())
    body_images = set(body.iter(*PICTURE_TAGS)) if body is not None else set()
    pictures = list(region.iter(*PICTURE_TAGS))
    # the article's own picture in a side column, outside the region: a block classed as such
    if any(name in page.source for name in ARTICLE_PICTURE_CLASSES):  # a tree walk on every page otherwise
        pictures += [img for img in page.select(ARTICLE_PICTURE) if img not in pictures]
    for img in pictures:
        if img in claimed or _inside_foreign_block(img, region):
            continue
        if (item := _gallery_item(img)) is not None:
            found.append(_from_gallery_item(page, item))
            claimed.update(item.iter())
            continue
        caption = _caption_near(img)
        in_body = img in body_images
        image = _make(page, img, caption)
        if image is not None and (caption or (in_body and _looks_like_photo(img))):
            found.append(image)
    return _dedupe(found)


def _gallery_item(img: etree._Element) -> etree._Element | None:
    """A gallery slide: a thumbnail whose item (li, figure or div, two levels up at most) links to the
    full-size picture, as lightbox galleries print them."""
    if _looks_like_photo(img):
        return None
    node = img
    for _ in range(2):
        node = node.getparent()
        if node is None:
            return None
        if node.tag in ("li", "figure", "div") and any(
            IMAGE_FILE.search(a.get("href") or "") for a in node.iter("a")
        ):
            return node
    return None


def _from_gallery_item(page: Page, item: etree._Element) -> Image:
    link = next(a for a in item.iter("a") if IMAGE_FILE.search(a.get("href") or ""))
    # a slide's heading is its caption, even an empty one; else a block classed as a caption
    caption_el = next(item.iter("figcaption", "h2", "h3", "h4"), None)
    if caption_el is None:
        caption_el = next((e for e in item.iter() if CAPTION_MARKERS.search(class_and_id(e))), None)
    caption, credit = split_credit(text_of(caption_el))
    for element in item.iter("p", "span", "div"):
        if credit is None and element is not caption_el:
            label, found = split_credit(text_of(element))
            credit = found if found and not label else None
    return Image(src=page.absolute(link.get("href")), caption=caption, credit=credit)


def _make(
    page: Page, img: etree._Element | None, caption_text: str, keep_without_src: bool = False
) -> Image | None:
    src = _src(page, img) if img is not None else None
    if src and NOT_A_PHOTO.search(src):
        return None
    if not caption_text and img is not None:
        caption_text = clean(img.get("alt"))
        caption, credit = split_credit(caption_text) if caption_text else (None, None)
        # an alt text that is only the file name is no caption
        if caption and IMAGE_FILE_NAME.search(caption):
            caption = None
    else:
        caption, credit = split_credit(caption_text)
    credit = credit or _credit_in_alt(img)
    if src is None and not (keep_without_src and (caption or credit)):
        return None
    return Image(src=src, caption=caption, credit=credit)


def _caption_near(img: etree._Element) -> str:
    """The caption block that follows a picture within its wrapper (two levels up at most)."""
    node = img
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            break
        for sibling in node.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            marks = class_and_id(sibling)
            if CAPTION_MARKERS.search(marks):
                return text_of(sibling)
            if sibling.tag in ("p", "div", "h2", "h3") and text_of(sibling):
                break
        node = parent
    return ""


def _looks_like_photo(img: etree._Element) -> bool:
    for attribute in ("width", "height"):
        value = img.get(attribute, "")
        if value.isdigit() and int(value) < THUMBNAIL_PX:
            return False
    return True


def _inside_foreign_block(element: etree._Element, region: etree._Element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is region:
            return False
        marks = class_and_id(ancestor)
        if ancestor.tag in ("aside", "nav", "footer"):
            return True
        if marks.strip() and NOT_ARTICLE_CONTAINER.search(marks):
            return True
    return False


def _dedupe(images: list[Image]) -> list[Image]:
    seen: set[tuple[str | None, str | None]] = set()
    unique: list[Image] = []
    for image in images:
        key = (image.src, image.caption) if image.src else (None, image.caption)
        if key in seen:
            continue
        seen.add(key)
        unique.append(image)
    return unique
