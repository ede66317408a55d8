"""chatmon's Django settings: one module per concern, every value from the environment.

Each app that needs environment variables mapped to its Django settings owns one module here and is
imported below; the app's own `conf.py` holds the defaults, so the app also works without these modules.
"""

from chatmon.settings.alerting import *  # noqa: F403
from chatmon.settings.analytics import *  # noqa: F403
from chatmon.settings.api import *  # noqa: F403
from chatmon.settings.auditlog import *  # noqa: F403
from chatmon.settings.base import *  # noqa: F403
from chatmon.settings.dashboards import *  # noqa: F403
from chatmon.settings.ledger import *  # noqa: F403
from chatmon.settings.logs import *  # noqa: F403
from chatmon.settings.monitoring import *  # noqa: F403
from chatmon.settings.observability import *  # noqa: F403
from chatmon.settings.policies import *  # noqa: F403
from chatmon.settings.services import *  # noqa: F403
from chatmon.settings.violations import *  # noqa: F403
