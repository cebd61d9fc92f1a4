"""``python -m pplocalaws.gateway``: run the local gateway (see ``server``)."""

import sys

from pplocalaws.gateway.server import main

sys.exit(main())
