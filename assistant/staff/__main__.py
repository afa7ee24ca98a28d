"""`python -m assistant.staff console|staff ...`: the staff commands without the main `madoguchi` command."""
import sys

from assistant.staff.cli import main

if __name__ == "__main__":
    sys.exit(main())
