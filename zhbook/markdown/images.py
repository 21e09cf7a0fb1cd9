"""Images of the book: found inside the book folder only, checked, made fit for e-readers.

An image is written `![说明](images/x.png)` in Markdown or `<img src="images/x.png">` in raw HTML. Its
path is relative to the book folder (or, failing that, to the chapter's own folder, as an editor's
preview resolves it); after symlinks are followed it must still lie inside the book folder, so
`../../etc/passwd`, absolute paths, `file:` URLs and symlinks pointing outside are refused and never
read. Remote (`http:`) and `data:` images are refused too: a book carries its images with it.

What is embedded, in the EPUB as a manifest item and in the PDF through WeasyPrint's URL fetcher:

- PNG, JPEG and GIF as they are (EPUB core media types);
- SVG after removing scripts, event handlers, `<foreignObject>` and references to other files;
- WebP, BMP, TIFF and the other formats Pillow reads: converted to PNG, which every reader shows
  (WebP is a core media type only since EPUB 3.3, and older readers cannot show it);
- images larger than MAX_WIDTH × MAX_HEIGHT or MAX_PIXELS are downscaled (Lanczos, proportions kept,
  EXIF rotation applied): about what a 300-ppi phone or e-ink screen shows, and it keeps the EPUB small.
  Above REFUSE_PIXELS the image is refused rather than decoded (a "decompression bomb").

Anything else (a text file named .png, a damaged image) is a one-line error naming file and line.
"""

from __future__ import annotations

import hashlib
import io
import re
import urllib.parse
import warnings
from pathlib import Path

from lxml import etree

from ..errors import BookError, Diagnostics
from ..model import BookImage

MAX_WIDTH, MAX_HEIGHT, MAX_PIXELS = 1600, 2560, 4_000_000
REFUSE_PIXELS = 150_000_000
MAX_FILE_BYTES = 50 * 1024 * 1024
IMAGE_FOLDER = "images"  # inside the EPUB, beside the XHTML documents
KEPT = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif")}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _located(src: str, chapter: Path, root: Path) -> Path:
    """The file src names, inside the book folder; BookError (without a place) otherwise."""
    raw = src.strip()
    if not raw:
        raise BookError("an image has no path; write ![说明](images/name.png)")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", raw)
    if scheme and len(scheme.group(1)) > 1:  # C:\… is a Windows path, not a scheme
        kind = scheme.group(1).lower()
        if kind in ("http", "https", "ftp"):
            raise BookError(f"remote image {raw!r} is not embedded; download it into the book folder "
                            "and use its relative path")
        if kind == "data":
            raise BookError("data: images are not supported; save the image as a file in the book folder")
        raise BookError(f"image {raw[:80]!r}: {kind}: URLs are not allowed; use a path relative to the book folder")
    path = urllib.parse.unquote(raw.split("#", 1)[0].split("?", 1)[0])
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", path):
        raise BookError(f"image {raw!r} is an absolute path; copy the image into the book folder and "
                        "use a path relative to it")
    root = root.resolve()
    inside = found_outside = False
    for base in (root, chapter.parent.resolve()):
        candidate = (base / path).resolve()  # follows symlinks: a link pointing outside is outside
        if not candidate.is_relative_to(root):
            found_outside = found_outside or candidate.exists()
            continue
        inside = True
        if candidate.is_file():
            return candidate
        if candidate.exists():
            raise BookError(f"image {raw!r} is not a file")
    # A missing image is missing: "outside" only where the file is outside, or the path can only lead out.
    if found_outside or not inside:
        raise BookError(f"image {raw!r} is outside the book folder (a '..' path, or a symlink pointing "
                        "out); copy the image into the book folder")
    raise BookError(f"image {raw!r} not found; paths are relative to the book folder ({root.name}/)")


def _clean_svg(data: bytes, note) -> bytes:
    """The SVG parsed without entities, DTDs or network, with active content removed."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, remove_comments=True,
                             remove_pis=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BookError(f"not a valid SVG image ({exc.msg}); re-export it or use PNG")
    if root.tag != f"{{{SVG_NS}}}svg":
        raise BookError("not an SVG image (its root is not <svg>); re-export it or use PNG")
    removed = set()
    for node in list(root.iter()):
        if not isinstance(node.tag, str):  # an unexpanded entity reference
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
            continue
        local = etree.QName(node).localname
        if local in ("script", "foreignObject", "iframe", "handler", "listener") or (
                local == "style" and re.search(r"url\(|@import", node.text or "", re.I)):
            removed.add(f"<{local}>")
            node.getparent().remove(node)
            continue
        for name in list(node.attrib):
            local_name = etree.QName(name).localname
            value = node.attrib[name].strip()
            if local_name.lower().startswith("on"):
                removed.add(f"{local_name}=")
                del node.attrib[name]
            elif local_name == "href" and not value.startswith("#"):
                removed.add(f"{local_name}={value[:40]!r}")
                del node.attrib[name]
            elif local_name == "style" and re.search(r"url\(", value, re.I) and "url(#" not in value:
                removed.add("style=url(…)")
                del node.attrib[name]
    if removed:
        note(f"SVG: removed {', '.join(sorted(removed))} (scripts and links to other files are not "
             "allowed in the book)")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _raster(data: bytes, note) -> tuple[bytes, str, str]:
    """(bytes, media type, extension) of a raster image, converted or downscaled where needed."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise BookError("not an image (or a format Pillow cannot read); use PNG, JPEG, GIF, WebP or SVG")
        except Image.DecompressionBombError:  # Pillow refuses to open more than ~179 MP: say so plainly
            raise BookError(f"the image is too large to embed (over {REFUSE_PIXELS // 1_000_000} MP); scale it "
                            f"down (at most {MAX_WIDTH}×{MAX_HEIGHT} is used)")
        except (OSError, ValueError, SyntaxError) as exc:
            raise BookError(f"cannot read the image ({exc}); re-save it as PNG or JPEG")
        width, height = image.size
        if width < 1 or height < 1 or width * height > REFUSE_PIXELS:
            raise BookError(f"image of {width}×{height} pixels is too large to embed; scale it down "
                            f"(at most {MAX_WIDTH}×{MAX_HEIGHT} is used)")
        try:
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise BookError(f"the image is damaged or truncated ({exc}); re-save it")
    kind = image.format or ""
    scale = min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height, (MAX_PIXELS / (width * height)) ** 0.5)
    animated = getattr(image, "n_frames", 1) > 1
    if scale == 1.0 and kind in KEPT:
        # Embedded byte for byte, so check the file's own structure too (PNG chunk checksums, the end
        # chunk): Pillow decodes a PNG cut short without a word, but readers show it broken.
        try:
            Image.open(io.BytesIO(data)).verify()
        except (OSError, ValueError, SyntaxError) as exc:
            raise BookError(f"the image is damaged or truncated ({exc}); re-save it")
        media_type, ext = KEPT[kind]
        return data, media_type, ext
    if scale < 1.0:
        image = ImageOps.exif_transpose(image)
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "CMYK"):
            image = image.convert("RGBA" if "transparency" in image.info or "A" in image.mode else "RGB")
        image = image.resize(size, Image.Resampling.LANCZOS)
        note(f"downscaled from {width}×{height} to {size[0]}×{size[1]} pixels (images are embedded at "
             f"most {MAX_WIDTH}×{MAX_HEIGHT} and {MAX_PIXELS // 1_000_000} MP); scale it yourself to choose")
    if kind not in KEPT:
        note(f"converted {kind or 'the image'} to PNG, which every e-reader shows")
    if animated:
        note("only the first frame of the animation is kept")
    buffer = io.BytesIO()
    if kind == "JPEG" and image.mode in ("L", "RGB", "CMYK"):
        image.save(buffer, "JPEG", quality=90)
        return buffer.getvalue(), "image/jpeg", "jpg"
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA")
    image.save(buffer, "PNG")
    return buffer.getvalue(), "image/png", "png"


def embed(src: str, chapter: Path, root: Path, diagnostics: Diagnostics, line: int | None) -> BookImage:
    """The image src names, ready to embed; BookError naming chapter:line if it cannot be."""
    try:
        path = _located(src, chapter, root)
    except BookError as exc:
        raise BookError(exc.message, chapter, line)

    def note(message: str) -> None:
        diagnostics.warn(f"image {src.strip()!r}: {message}", chapter, line)

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BookError(f"{size // (1024 * 1024)} MB is too large for an image in a book; "
                            "scale it down or compress it")
        data = path.read_bytes()
        if path.suffix.lower() in (".svg", ".svgz") or re.match(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<svg",
                                                                  data[:2048], re.S):
            content, media_type, ext = _clean_svg(data, note), "image/svg+xml", "svg"
        else:
            content, media_type, ext = _raster(data, note)
    except BookError as exc:
        raise BookError(f"image {src.strip()!r}: {exc.message}", chapter, line)
    except OSError as exc:
        raise BookError(f"cannot read image {src.strip()!r} ({exc.strerror})", chapter, line)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-")[:40] or "image"
    digest = hashlib.sha256(content).hexdigest()[:10]
    return BookImage(href=f"{IMAGE_FOLDER}/{stem}-{digest}.{ext}", media_type=media_type, data=content,
                     source=path)
