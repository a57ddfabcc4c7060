"""Read article pages saved from jamestown.org (``.html``) into :class:`~edm_stance.article.Article`.

The page's main text is extracted with trafilatura, which drops navigation, share buttons,
image captions, related-article lists, newsletter boxes and footers by its boilerplate
heuristics rather than by the site's CSS class names, so it keeps working across the
site's redesigns over two decades of EDM pages; it also reads the title, date, author and
URL from the page's metadata. The ``Publication: Eurasia Daily Monitor Volume: V Issue: I``
line is not body text, so it is looked up in the whole page's visible text.

The page becomes EDM text (a header of ``Field: value`` lines, then one paragraph per
extracted block) and goes through :func:`~edm_stance.article.parse_article`, so paragraphs,
sentences and offsets behave exactly as for ``.txt`` articles.
"""

from __future__ import annotations

import re

from .article import Article, parse_article
from .errors import ArticleReadError

__all__ = ["MIN_PAGE_WORDS", "page_to_text", "parse_page"]

MIN_PAGE_WORDS = 40
"""Fewest words of prose (paragraphs of 8 or more words) that make a page an article, not an index or error page."""
_SENTENCE_WORDS = 8
_PUBLICATION = re.compile(
    r"Publication:\s*(Eurasia Daily Monitor)\s*Volume:\s*(\d+)\s*Issue:\s*(\d+)", re.IGNORECASE
)


def _visible_text(html: str) -> str:
    import lxml.html

    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script|//style|//noscript"):
        node.drop_tree()
    return " ".join(tree.text_content().split())


def page_to_text(html: str, source: str = "<page>") -> str:
    """Turn a saved jamestown.org article page into EDM text (header lines, blank line, paragraphs).

    Parameters
    ----------
    html : str
        The page's HTML.
    source : str
        The file or URL, named in errors.

    Returns
    -------
    str
        ``Title:``/``By:``/``Date:``/``Publication:``/``Source:`` lines for what the page
        has, then the body paragraphs separated by blank lines.

    Raises
    ------
    ArticleReadError
        When no article text can be found in the page, or too little (fewer than
        :data:`MIN_PAGE_WORDS` words of prose) for an article.
    """
    import trafilatura

    body = trafilatura.extract(
        html, output_format="txt", include_comments=False, include_tables=False,
        include_images=False, include_links=False, deduplicate=False,
    )
    paragraphs = [line.strip() for line in (body or "").splitlines() if line.strip()]
    if not paragraphs:
        raise ArticleReadError(f"{source}: no article text found in this HTML page")
    prose = sum(len(words) for words in (p.split() for p in paragraphs) if len(words) >= _SENTENCE_WORDS)
    if prose < MIN_PAGE_WORDS:
        raise ArticleReadError(f"{source}: no article text found in this HTML page (only {prose} words of prose; "
                               "an index, error or navigation page?)")
    metadata = trafilatura.extract_metadata(html)
    header = []
    if metadata is not None and metadata.title:
        header.append(f"Title: {metadata.title}")
    if metadata is not None and metadata.author:
        header.append(f"By: {metadata.author}")
    if metadata is not None and metadata.date:
        header.append(f"Date: {metadata.date}")
    publication = _PUBLICATION.search(_visible_text(html))
    if publication:
        name, volume, issue = publication.groups()
        header.append(f"Publication: {name} Volume: {volume} Issue: {issue}")
    if metadata is not None and metadata.url:
        header.append(f"Source: {metadata.url}")
    return "\n".join(header) + "\n\n" + "\n\n".join(paragraphs) + "\n"


def parse_page(html: str, article_id: str = "article", *, path: str | None = None, encoding: str | None = None) -> Article:
    """Parse a saved jamestown.org article page into an :class:`Article`.

    Examples
    --------
    >>> article = parse_page(open("page.html").read(), "edm-v16-i68")  # doctest: +SKIP
    >>> article.volume, article.issue  # doctest: +SKIP
    (16, 68)
    """
    text = page_to_text(html, path or article_id)
    return parse_article(text, article_id, path=path, encoding=encoding)
