"""Constants of the 23 Video package, each defined once."""

from __future__ import annotations

#: the vendor's name: scenario section, journal ``api``, fault ``match.api``, backend key
NAME = "twentythree"
