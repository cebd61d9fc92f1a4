"""``python -m ppdeploy.localaws.gateway``: run the local gateway (see ``server``)."""

import sys

from ppdeploy.localaws.gateway.server import main

sys.exit(main())
