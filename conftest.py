"""Root conftest: the harness plugin and the step library, for `uv run pytest` and `conform run` alike."""
pytest_plugins = ["harness.plugin", "harness.steps.library"]
