"""``python -m crashreport``: the command line."""

from crashreport.cli import main

raise SystemExit(main())
