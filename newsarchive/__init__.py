"""newsarchive: scrape and archive Hebrew-language news with exact bylines, times, captions and credits."""

from .article import Article, Image, NotAnArticle
from .extract import extract_article

__version__ = "0.1.0"
#: bumped whenever extraction output may change, so stored articles can be re-extracted
EXTRACTOR_VERSION = "4"

__all__ = ["EXTRACTOR_VERSION", "Article", "Image", "NotAnArticle", "__version__", "extract_article"]
