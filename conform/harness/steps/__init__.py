"""The reusable step library for the zh-CN features (see docs/steps.md for every phrase)."""
