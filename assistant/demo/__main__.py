"""`python -m assistant.demo`: the `madoguchi demo` command on its own."""
import sys

from assistant.demo.cli import main

sys.exit(main())
