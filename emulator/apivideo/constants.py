"""Constants of the api.video package, each defined once."""

from __future__ import annotations

from datetime import datetime, timezone

#: the vendor's name: scenario section, journal ``api``, fault ``match.api``, backend key
NAME = "apivideo"
#: the two kinds of media a session plays (``Source.kind``, beacon routes)
VIDEO, LIVE = "video", "live"
#: the vendor's word for a value it does not know (device, OS, referrer, country...)
UNKNOWN = "unknown"
#: instants are epoch milliseconds
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
VIEW_DURATIONS = (3, 5, 10, 30)  # seconds: the view metric's viewDuration values
