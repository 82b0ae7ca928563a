"""Generated and hostile input: every form and query parameter, hostile files."""
