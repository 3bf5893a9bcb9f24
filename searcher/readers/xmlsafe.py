"""The one place XML is parsed (lxml), safely, plus the helpers XML readers share.

Security decision: a document whose DOCTYPE declares any entity (``<!ENTITY``,
general or parameter, internal or ``SYSTEM``/``PUBLIC``) is **refused** with
:class:`UnsafeXML`, a ``ValueError`` the registry turns into a clean Skipped.
News formats never need their own entities, and those declarations are exactly
what XXE (reading ``file://`` or ``http://`` resources into the text) and
entity-expansion bombs (billion laughs, quadratic blowup) are made of.

Refusal is the policy; the parser options make it safe to get that far:

- ``resolve_entities=False``: no entity is ever substituted, so nothing
  external is read and nothing expands while we look at the DOCTYPE;
- ``load_dtd=False``, ``dtd_validation=False``, ``no_network=True``: an
  external DTD (``<!DOCTYPE nitf SYSTEM "nitf-3-4.dtd">``, common in NITF) is
  accepted but never fetched, and a resolver refuses any load libxml2 still
  asks for;
- ``huge_tree=False``: libxml2's limits on depth, text size and entity
  amplification stay on (a bomb is a parse error even before the policy check).

With an external DTD left unread, undeclared references such as ``&nbsp;``
survive as entity nodes; the text helpers here turn known HTML entity names
into their characters and drop the rest.

Two ways in: :func:`parse` for a whole small document, and
:func:`iter_records` to stream a large one (a 100k-item feed) in bounded memory.
"""
from __future__ import annotations

import html
import io
import re
from html.entities import html5 as _HTML5
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple, Optional

import lxml.html
from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK = 64 * 1024

_SAFE = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)


class UnsafeXML(ValueError):
    """The document declares entities; refused rather than parsed."""


class MalformedXML(ValueError):
    """Not well-formed XML (truncated, bad bytes, ...)."""


class _RefuseExternal(etree.Resolver):
    """Defence in depth: whatever libxml2 wants to load from outside, it gets nothing."""

    def resolve(self, system_url, public_id, context):  # noqa: D401 - lxml API
        return self.resolve_string("", context)


def _guard(parser: etree.XMLParser) -> etree.XMLParser:
    parser.resolvers.add(_RefuseExternal())
    return parser


_POSITION = re.compile(r",? line (\d+), column (\d+)\s*$")


def _malformed(exc: etree.LxmlError) -> MalformedXML:
    message = (getattr(exc, "msg", None) or str(exc) or type(exc).__name__).strip()
    match = _POSITION.search(message)
    if match:  # lxml appends the position; put it first, once
        message = f"line {match[1]}, column {match[2]}: {message[:match.start()]}"
    return MalformedXML(f"malformed XML at {message}" if match else f"malformed XML: {message}")


_REFUSED = ("XML refused: its DOCTYPE declares entities{}, which could read local files "
            "or expand without bound")


def _check_doctype(tree: etree._ElementTree) -> None:
    dtd = tree.docinfo.internalDTD
    if dtd is None:
        return
    names = [entity.name for entity in dtd.iterentities()]
    if names:
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise UnsafeXML(_REFUSED.format(f" ({shown})"))


# "<!ENTITY" in UTF-8 or UTF-16: to name the cause when libxml2's own limits
# stop a bomb inside the DOCTYPE before our check sees it.
_DECLARES_ENTITY = re.compile(rb"<\x00?!\x00?E\x00?N\x00?T\x00?I\x00?T\x00?Y")


def _check_prolog(open_stream: Callable[[], BinaryIO]) -> None:
    """Refuse entity declarations before anything else is parsed.

    Parses only up to the root element's start tag (the DOCTYPE comes before
    it), so a document is refused without a pass over its body.
    """
    parser = _guard(etree.XMLPullParser(events=("start",), **_SAFE))
    tail = b""
    declares = False
    try:
        with open_stream() as stream:
            for chunk in _chunks(stream):
                declares = declares or bool(_DECLARES_ENTITY.search(tail + chunk))
                tail = chunk[-16:]
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    _check_doctype(element.getroottree())
                    return
        parser.close()
    except etree.LxmlError as exc:
        if declares:
            raise UnsafeXML(_REFUSED.format("")) from None
        raise _malformed(exc) from None


def parse(data: bytes) -> etree._Element:
    """The root of a whole document; raises UnsafeXML or MalformedXML."""
    _check_prolog(lambda: io.BytesIO(data))
    parser = _guard(etree.XMLParser(**_SAFE))
    try:
        root = etree.fromstring(data, parser)
    except etree.LxmlError as exc:
        raise _malformed(exc) from None
    if root is None:
        raise MalformedXML("malformed XML: document is empty")
    _check_doctype(root.getroottree())
    return root


class _Discard:
    """Parser target that builds nothing: pass 1 only checks well-formedness."""

    def close(self) -> None:
        return None


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _check_well_formed(open_stream: Callable[[], BinaryIO]) -> None:
    parser = _guard(etree.XMLParser(target=_Discard(), **_SAFE))
    try:
        with open_stream() as stream:
            for chunk in _chunks(stream):
                parser.feed(chunk)
        parser.close()
    except etree.LxmlError as exc:
        raise _malformed(exc) from None


def iter_records(open_stream: Callable[[], BinaryIO], tags: Iterable[str]) -> Iterator[etree._Element]:
    """Each complete element whose tag (Clark notation) is in ``tags``, in order.

    Three passes over the stream, each in bounded memory: the prolog is
    checked for entity declarations; the whole document is checked for
    well-formedness without building a tree, so a truncated file is one
    MalformedXML before any record, never half-read; then records stream.

    After the consumer resumes, a yielded record is cleared and the record
    before it dropped, so the tree holds at most one empty record besides the
    metadata around records (a feed's title and language stay reachable
    through ``record.getparent()``). Use each record before asking for the next.
    """
    tags = tuple(tags)
    _check_prolog(open_stream)
    _check_well_formed(open_stream)
    parser = _guard(etree.XMLPullParser(events=("end",), tag=tags, **_SAFE))
    checked = False
    try:
        with open_stream() as stream:
            for chunk in _chunks(stream):
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    if not checked:
                        # The prolog is parsed before any element: check once.
                        _check_doctype(element.getroottree())
                        checked = True
                    yield element
                    _release(element, tags)
        root = parser.close()
    except etree.LxmlError as exc:
        raise _malformed(exc) from None
    if not checked and root is not None:
        _check_doctype(root.getroottree())


def _release(element: etree._Element, tags: tuple[str, ...]) -> None:
    # Clear, but keep the node and its tail: libxml2 may still be appending
    # to the text after it. The previous record is finished and can go.
    element.clear(keep_tail=True)
    previous = element.getprevious()
    parent = element.getparent()
    if previous is not None and parent is not None and previous.tag in tags:
        parent.remove(previous)


# --- sniffing -------------------------------------------------------------

_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DOCTYPE = re.compile(r"<!DOCTYPE\s+([A-Za-z_][\w.-]*)")
_NAME = re.compile(r"<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^>]*)>", re.S)


def _head_text(head: bytes) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="replace")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="replace")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


class Root(NamedTuple):
    namespace: str
    name: str  # local name
    declared: dict[str, str]  # xmlns / xmlns:prefix -> URI, as written on the root tag


def sniff_root(head: bytes) -> Optional[Root]:
    """The root element as far as a file's first bytes show it.

    Skips the XML declaration, comments, processing instructions and the
    DOCTYPE (its internal subset too). None when no root tag is in sight.
    """
    text = _head_text(head)
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            end = end + 2 if end >= 0 else -1
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            end = end + 3 if end >= 0 else -1
        elif text.startswith("<!", pos):
            bracket, end = text.find("[", pos), text.find(">", pos)
            if 0 <= bracket < end:  # an internal subset: its end is "]" then ">"
                close = text.find("]", bracket)
                end = text.find(">", close) if close >= 0 else -1
            if end < 0:
                # A subset longer than the head (a bomb, often): the DOCTYPE
                # names the root, so the reader that refuses it is still found.
                doctype = _DOCTYPE.match(text, pos)
                return Root("", doctype.group(1), {}) if doctype else None
            end += 1
        else:
            break
        if end < 0:
            return None
        pos = end
    match = _NAME.match(text, pos)
    if not match:
        return None
    qname, attrs = match.groups()
    prefix, _, name = qname.rpartition(":")
    declared = {key: a or b for key, a, b in _ATTR.findall(attrs) if key.startswith("xmlns")}
    return Root(declared.get(f"xmlns:{prefix}" if prefix else "xmlns", ""), name, declared)


# --- element helpers ------------------------------------------------------


def local(tag: object) -> str:
    """Tag name without its namespace ('' for comments and entities)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_lang(element: Optional[etree._Element]) -> str:
    """The nearest xml:lang, on the element or an ancestor."""
    while element is not None:
        value = element.get(XML_LANG)
        if value and value.strip():
            return value.strip()
        element = element.getparent()
    return ""


# --- markup to text -------------------------------------------------------

_PARA, _LINE = "\x00P", "\x00L"  # never in XML text: markers while flattening
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n\s*\n")
_MARKUP = re.compile(r"<(?:[A-Za-z][\w:-]*|/[A-Za-z]|!--)")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_DROP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object", "svg", "math"})
# HTML, XHTML and NITF elements that start a new paragraph.
_BLOCKS = frozenset({
    "p", "div", "section", "article", "aside", "header", "footer", "main", "nav", "blockquote",
    "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr",
    "thead", "tbody", "tfoot", "caption", "figure", "figcaption", "address", "hr", "form",
    "fieldset", "details", "summary", "body", "html",
    "block", "hl1", "hl2", "bq", "note", "fn", "media", "media-caption", "nitf-table", "credit",
})
_CELLS = frozenset({"td", "th"})


def _entity_text(name: str) -> str:
    return _HTML5.get(f"{name};", "")


def _pieces(root) -> list[str]:
    out: list[str] = []
    stack: list[str | etree._Element] = [root]
    while stack:  # iterative: deep markup must not hit Python's recursion limit
        node = stack.pop()
        if isinstance(node, str):
            out.append(node)
            continue
        tag = node.tag
        if tag is etree.Entity:
            out.append(_entity_text(node.name))
            continue
        name = local(tag).lower()
        if not name or name in _DROP:
            continue  # comments, PIs; their tails are pushed by the parent
        block = name in _BLOCKS
        if name == "br":
            out.append(_LINE)
        elif block:
            out.append(_PARA)
        if node.text:
            out.append(node.text)
        stack.append(_PARA if block else " " if name in _CELLS else "")
        for child in reversed(node):
            if child.tail:
                stack.append(child.tail)
            stack.append(child)
    return out


def _assemble(text: str) -> str:
    paragraphs = []
    for block in text.split(_PARA):
        lines = (_SPACE.sub(" ", line).strip() for line in block.split(_LINE))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def raw_text(element) -> str:
    """An element's text as written, its entities decoded: escaped HTML stays
    text for :func:`html_to_text` (unlike ``itertext``, which would give an
    unresolved ``&name;`` back as if it were markup)."""
    if not len(element):
        return element.text or ""
    return "".join(_pieces(element)).replace(_PARA, "\n\n").replace(_LINE, "\n")


def element_text(element) -> str:
    """Text of an XML/XHTML/NITF/HTML element: paragraphs split by a blank line."""
    return _assemble("".join(_pieces(element)))


def inline_text(element) -> str:
    """Text of an element on one line (titles, names)."""
    return _SPACE.sub(" ", "".join(_pieces(element)).replace(_PARA, " ").replace(_LINE, " ")).strip()


def plain_paragraphs(text: str) -> str:
    """Plain text: paragraphs at blank lines, whitespace inside them collapsed."""
    parts = (_SPACE.sub(" ", part).strip() for part in _BLANK_LINE.split(text.replace("\x00", "")))
    return "\n\n".join(part for part in parts if part)


_HTML_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)


def html_to_text(markup: str) -> str:
    """HTML (a fragment or a page) as plain text; scripts and styles dropped.

    Text with no tags is taken as entity-escaped plain text (RSS descriptions
    often are), so its blank lines still separate paragraphs.
    """
    if "<" not in markup and "&" not in markup and "\n" not in markup:
        return " ".join(markup.split())  # the common short plain case, fast
    markup = markup.replace("\x00", "")
    if not markup.strip():
        return ""
    if not _MARKUP.search(markup):
        return plain_paragraphs(html.unescape(markup))
    try:
        document = lxml.html.document_fromstring(markup, parser=_HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return ""
    return element_text(document)


def html_inline(markup: str) -> str:
    """A title or name that may carry escaped HTML, on one line."""
    if ("<" in markup or "&" in markup) and (_MARKUP.search(markup) or _ENTITY.search(markup)):
        markup = html_to_text(markup)
    return " ".join(markup.split())


def find_local(element: etree._Element, *names: str) -> Iterator[etree._Element]:
    """Children whose local name is one of ``names``, any namespace (NITF comes both ways)."""
    for child in element:
        if local(child.tag) in names:
            yield child
