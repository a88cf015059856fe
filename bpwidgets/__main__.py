"""python -m bpwidgets: the same as the bpwidgets command."""

from .cli import main

raise SystemExit(main())
