"""How many fuzzed requests ran and how they were answered: printed at the end of the run."""


def pytest_terminal_summary(terminalreporter):
    from tests.fuzz import fuzzing

    if fuzzing.CASES:
        terminalreporter.write_sep("-", "fuzzing")
        terminalreporter.write_line(fuzzing.summary(detailed=terminalreporter.config.option.verbose > 0))
