"""The derived admin matrix counts what it asked: printed at the end of the run."""


def pytest_terminal_summary(terminalreporter):
    from tests.admin import admin_pages

    if admin_pages.TALLY["requests"]:
        terminalreporter.write_sep("-", "admin authorization matrix")
        terminalreporter.write_line("{requests} admin requests, {unexpected} unexpected answers".format(
            **admin_pages.TALLY))
