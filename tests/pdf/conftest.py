def pytest_configure(config):
    config.addinivalue_line("markers", "fast: in-process unit tests, no build, no subprocess (seconds)")
