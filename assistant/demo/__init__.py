"""Demo data: a realistic month of residents driven through the real assistant (`madoguchi demo`)."""
from assistant.demo.cli import add_parser

__all__ = ["add_parser"]
