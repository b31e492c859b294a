"""``python -m pingan_common.events.schemagen [--check]``: see the package docstring."""

import sys

from pingan_common.events.schemagen import main

sys.exit(main())
