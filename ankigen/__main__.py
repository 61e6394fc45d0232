"""`python -m ankigen`: the same as the `ankigen` command."""

import sys

from .cli import main

sys.exit(main())
