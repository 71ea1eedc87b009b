"""`python -m conformance.cli`: the same command as `honcho-conformance`."""

import sys

from conformance.cli.main import main

sys.exit(main())
