"""Rendered chapters kept under <cache>/markdown/, so that rebuilding a big book after one edit renders
one chapter. A chapter is known by its text, its id, the book folder and the code that renders it;
an entry also holds the chapter's warnings (given again on every build) and its images: each image's
source file is checked again on every build (by content), and its converted bytes are kept beside."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import markdown

from ..codehash import code_digest
from ..errors import Warning_
from ..model import Anchor, BookImage, Chapter, Heading, Note, SourceFile
from ..output import replace_file

FORMAT = "3"  # bump when what an entry holds changes


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ChapterCache:
    def __init__(self, cache_dir: Path, root: Path):
        self.dir = cache_dir / "markdown"
        # What turns Markdown into our XHTML: a change to it invalidates the cached renderings.
        code = code_digest("markdown", "model.py", "cjk.py", "errors.py")
        self.base = hashlib.sha256("\0".join([FORMAT, markdown.__version__, code, str(Path(root).resolve())]).encode())

    def _path(self, source: SourceFile) -> Path:
        digest = self.base.copy()
        digest.update("\0".join([source.id, source.text]).encode())
        return self.dir / f"{digest.hexdigest()[:32]}.json"

    def load(self, source: SourceFile) -> tuple[Chapter, list[Warning_]] | None:
        """The cached rendering and its warnings; None if there is none, or an image changed."""
        try:
            entry = json.loads(self._path(source).read_text("utf-8"))
            images = []
            for image in entry["images"]:
                path = Path(image["source"])
                if not path.is_file() or _file_digest(path) != image["source_sha256"]:
                    return None
                data = (self.dir / "images" / image["href"].rsplit("/", 1)[-1]).read_bytes()
                images.append(BookImage(href=image["href"], media_type=image["media_type"], data=data, source=path))
            chapter = Chapter(source=source, body=entry["body"],
                              headings=tuple(Heading(*heading) for heading in entry["headings"]),
                              notes=tuple(Note(*note) for note in entry["notes"]), images=tuple(images),
                              anchors=tuple(Anchor(*anchor) for anchor in entry["anchors"]))
            return chapter, [Warning_(*warning) for warning in entry["warnings"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, chapter: Chapter, warnings: list[Warning_]) -> None:
        entry = {"body": chapter.body,
                 "headings": [[h.level, h.id, h.text] for h in chapter.headings],
                 "notes": [[n.id, n.call_id, n.number, n.body] for n in chapter.notes],
                 "anchors": [[a.name, a.id, a.kind, a.level, a.ordinal] for a in chapter.anchors],
                 "warnings": [list(warning) for warning in warnings],
                 "images": [{"href": image.href, "media_type": image.media_type, "source": str(image.source),
                             "source_sha256": _file_digest(image.source)} for image in chapter.images]}
        try:
            (self.dir / "images").mkdir(parents=True, exist_ok=True)
            for image in chapter.images:
                replace_file(self.dir / "images" / image.href.rsplit("/", 1)[-1], image.data)
            replace_file(self._path(chapter.source), json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written (read-only .cache/): render again next time

