"""`python -m pipeline.cli`: the `yuqing` command where the console script is not installed."""

from __future__ import annotations

import sys

from pipeline.cli import main

sys.exit(main())
