"""EPUBCheck run many times in one Java VM: the same jar and the same command-line code as
`java -jar epubcheck.jar --json FILE BOOK.epub`, without a 3–8 s JVM start for every book.

JPype starts the JVM inside this Python process once; each check then calls EPUBCheck's own
command-line class (com.adobe.epubcheck.tool.EpubChecker.run, what its main() calls) and reads
the JSON report it writes, so a result means exactly what tests.helpers.epubcheck_messages means.
If the JVM cannot be started in-process, every check falls back to that subprocess.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

from tests.helpers import EPUBCHECK_JAR, epubcheck_messages

_lock = threading.Lock()  # one check at a time: EpubChecker is not documented as thread-safe
_checker = None
_unavailable = False


def _epub_checker():
    global _checker, _unavailable
    if _checker is None and not _unavailable:
        try:
            import jpype

            if not jpype.isJVMStarted():
                # -Xrs: the JVM leaves SIGINT and SIGTERM to Python (the builder turns them into a clean stop).
                jpype.startJVM("-Xrs", classpath=[str(EPUBCHECK_JAR)], convertStrings=True, interrupt=False)
            _checker = jpype.JClass("com.adobe.epubcheck.tool.EpubChecker")
        except Exception:  # no jpype, no libjvm.so: the subprocess still works
            _unavailable = True
    return _checker


def messages(epub: Path) -> dict[str, list[str]]:
    """EPUBCheck's messages by severity (FATAL, ERROR, WARNING, …), each 'ID: message (where)'."""
    checker = _epub_checker()
    if checker is None:
        return epubcheck_messages(epub)
    with _lock, tempfile.TemporaryDirectory(prefix="epubcheck-") as folder:
        report_path = Path(folder) / "report.json"
        checker().run(["--quiet", "--json", str(report_path), str(epub)])
        report = json.loads(report_path.read_text("utf-8"))
    by_severity: dict[str, list[str]] = {}
    for message in report["messages"]:
        where = ", ".join(f"{loc.get('path')}:{loc.get('line')}" for loc in message.get("locations", [])[:3])
        by_severity.setdefault(message["severity"], []).append(f"{message['ID']}: {message['message']} ({where})")
    return by_severity


def problems(epub: Path, severities=("FATAL", "ERROR")) -> dict[str, list[str]]:
    """Only the messages of the given severities; {} for a book EPUBCheck accepts."""
    return {severity: found for severity, found in messages(epub).items() if severity in severities}
