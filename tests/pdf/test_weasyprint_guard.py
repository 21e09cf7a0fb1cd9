"""zhbook.pdf.weasyprint: one install(), one guard, and uninstall() undoes it all. In process."""

import inspect

import pytest
import weasyprint
from weasyprint.layout import inline, preferred
from weasyprint.pdf.fonts import Font
from weasyprint.text.line_break import Layout

from zhbook.errors import BookError
from zhbook.pdf import weasyprint as patches


@pytest.fixture(autouse=True)
def restored():
    """Each test starts unpatched and leaves the process as it found it."""
    was_installed = patches.installed()
    patches.uninstall()
    yield
    patches.uninstall()
    if was_installed:
        patches.install()


def originals() -> dict:
    return {short: getattr(*patches._where(dotted)) for short, (dotted, _) in patches.REPLACED.items()}


def test_weasyprint_is_the_version_the_patches_were_written_for():
    assert weasyprint.__version__ == patches.WEASYPRINT_VERSION


def test_the_recorded_hashes_are_those_of_the_installed_weasyprint():
    for short, (dotted, digest) in {**patches.REPLACED, **patches.RELIED_ON}.items():
        assert patches.source_digest(getattr(*patches._where(dotted))) == digest, dotted


def test_install_replaces_every_function_and_uninstall_restores_them():
    before = originals()
    patches.install()
    patches.install()  # idempotent
    after = originals()
    assert all(after[short] is patches._REPLACEMENTS[short] for short in patches.REPLACED)
    assert Layout.set_text is patches._set_text and Font.clean is patches._font_clean
    # preferred.py imported can_break_text by value: replaced there too
    assert preferred.can_break_text is patches._preferred_can_break_text
    assert inline.can_break_text is patches._can_break_text
    patches.uninstall()
    assert originals() == before


def test_install_refuses_another_weasyprint(monkeypatch):
    before = originals()
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(BookError, match=r"WeasyPrint 71\.0 is installed"):
        patches.install()
    assert originals() == before and not patches.installed()  # nothing patched


def test_install_refuses_a_changed_function(monkeypatch):
    """A replaced function whose source is not the one recorded: refused, by name."""
    before = originals()
    real = inspect.getsource

    def changed(obj):
        source = real(obj)
        return source + "    # changed upstream\n" if obj is inline.split_text_box else source

    monkeypatch.setattr(inspect, "getsource", changed)
    with pytest.raises(BookError, match=r"weasyprint\.layout\.inline\.split_text_box"):
        patches.install()
    assert originals() == before and not patches.installed()


def test_install_refuses_a_changed_function_it_relies_on(monkeypatch):
    monkeypatch.setitem(patches.RELIED_ON, "add_page", ("pydyf.PDF.add_page", "0" * 64))
    with pytest.raises(BookError, match=r"pydyf\.PDF\.add_page"):
        patches.install()
    assert not patches.installed()


def test_the_refusal_is_one_line_that_says_what_to_do(monkeypatch):
    monkeypatch.setitem(patches.REPLACED, "text_align", ("weasyprint.layout.inline.text_align", "f" * 64))
    with pytest.raises(BookError) as refusal:
        patches.install()
    message = str(refusal.value)
    assert "\n" not in message and "inline.text_align" in message and "record its new sha256" in message
