"""Every domain's tables, gathered at the top (the composition layer, ARCHITECTURE.md "Layers"):
``Base.metadata`` knows them all once this is imported, for Alembic, for the relationships
between domains, and for the tests that compare the migrations with the models. ``wiring.py``
imports it, so every process that wires itself has all its tables."""

from dialtrail.admin import models as admin_models
from dialtrail.calls import models as calls_models
from dialtrail.calls.adapters.asterisk import models as asterisk_models
from dialtrail.calls.adapters.freeswitch import models as freeswitch_models
from dialtrail.calls.adapters.telnyx import models as telnyx_models
from dialtrail.calls.adapters.twilio import models as twilio_models
from dialtrail.calls.adapters.vonage import models as vonage_models
from dialtrail.collector import models as collector_models
from dialtrail.conversions import models as conversions_models
from dialtrail.entities import models as entities_models
from dialtrail.numbers import models as numbers_models
from dialtrail.projects import models as projects_models
from dialtrail.reports import models as reports_models
from dialtrail.sessions import models as sessions_models
from dialtrail.storage.base import Base
from dialtrail.subjects import models as subjects_models
from dialtrail.webhooks import models as webhooks_models

metadata = Base.metadata

__all__ = [
    "admin_models",
    "asterisk_models",
    "calls_models",
    "collector_models",
    "conversions_models",
    "entities_models",
    "freeswitch_models",
    "metadata",
    "numbers_models",
    "projects_models",
    "reports_models",
    "sessions_models",
    "subjects_models",
    "telnyx_models",
    "twilio_models",
    "vonage_models",
    "webhooks_models",
]
