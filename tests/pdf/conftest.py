import pytest

from zhbook.pdf import weasyprint as patches


@pytest.fixture(scope="module")
def weasyprint_patched():
    """WeasyPrint with our changes, for a module that renders in this process (a build never patches
    the process it runs in); taken away again after the module if it was not there before."""
    was_installed = patches.installed()
    patches.install()
    yield
    if not was_installed:
        patches.uninstall()
