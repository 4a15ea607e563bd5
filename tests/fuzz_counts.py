"""How many generated inputs each fuzz test sent, for the run's summary."""

from collections import Counter

TRIED: Counter[str] = Counter()
