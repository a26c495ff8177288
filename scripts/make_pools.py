"""Write emulator/apivideo/pools.json: the raw values generated sessions are drawn from, taken from Faker once.

The emulator never calls Faker at run time: Faker's lists change between its releases (with 24.0
the iOS list had no version >= 15 and the pools could not be built; with 25.0 other lists gave
other sessions), so the values are frozen here and every draw is the emulator's own (see
emulator/apivideo/pools.py and docs/determinism.md). Re-run this only to refresh the values on
purpose; the bytes of the generated sessions then change, and tests/test_golden_hashes.py says
which answers to re-pin.

    pip install -e '.[pools]'        # the Faker release the shipped file was made with
    python scripts/make_pools.py             # rewrite the file
    python scripts/make_pools.py --check     # exit 1 if this Faker makes other values
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import faker
from faker.providers.company import Provider as CompanyProvider
from faker.providers.internet import Provider as InternetProvider
from faker.providers.lorem.en_US import Provider as LoremProvider
from faker.providers.person.en_US import Provider as PersonProvider
from faker.providers.user_agent import Provider as UserAgentProvider

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator.apivideo.pools import CITY_LOCALES, POOLS_FILE  # noqa: E402

TOKENS = ("{{last_name}}", "{{company_suffix}}")


def _android_versions() -> list[str]:
    """Recent Android releases (9 and later), in Faker's order."""
    return [v for v in UserAgentProvider.android_versions if v.split(".")[0].isdigit() and int(v.split(".")[0]) >= 9]


def _ios_versions() -> list[str]:
    """Recent iOS releases (15 and later), in Faker's order."""
    return [v for v in UserAgentProvider.ios_versions if int(v.split(".")[0]) >= 15]


def _company_formats() -> list[str]:
    """en_US company formats; each token must be one the emulator knows how to fill."""
    formats = list(CompanyProvider.formats)
    for fmt in formats:
        rest = fmt
        for token in TOKENS:
            rest = rest.replace(token, "")
        if "{{" in rest:
            raise SystemExit(f"unexpected company format {fmt!r}: teach emulator/apivideo/pools.py its tokens")
    return formats


def _last_names() -> list[list[Any]]:
    """en_US last names with Faker's weights, ASCII letters only (the emulator's slug needs no transliteration)."""
    pairs = [[name, weight] for name, weight in PersonProvider.last_names.items()]
    odd = [name for name, _ in pairs if not (name.isascii() and name.isalpha())]
    if odd:
        raise SystemExit(f"last names the emulator's domain words cannot take as they are: {odd[:5]}")
    return pairs


def build() -> dict[str, Any]:
    """Every list the pools draw from, in the order Faker keeps them (the draws index into them)."""
    cities = {}
    for locale, _country in CITY_LOCALES:
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        cities[locale] = sorted(set(provider.cities))
    data = {
        "made_with": f"Faker {faker.VERSION} by scripts/make_pools.py",
        "android_versions": _android_versions(),
        "ios_versions": _ios_versions(),
        "company_formats": _company_formats(),
        "company_suffixes": list(CompanyProvider.company_suffixes),
        "last_names": _last_names(),
        "tlds": list(InternetProvider.tlds),
        "uri_paths": list(InternetProvider.uri_paths),
        "words": list(LoremProvider.word_list),
        "cities": cities,
    }
    # Faker 24's iOS list had nothing from 15 on: an empty list would fail every scenario load
    empty = [key for key, value in data.items() if not value] + [locale for locale, c in cities.items() if not c]
    if empty:
        raise SystemExit(f"Faker {faker.VERSION} gives nothing for {empty}: keep the shipped file")
    return data


def render(data: dict[str, Any]) -> str:
    """One key per line (diffs stay readable), non-ASCII kept as is."""
    lines = [f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in data.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    data = build()
    text = render(data)
    if args.check:
        shipped = json.loads(POOLS_FILE.read_text(encoding="utf-8"))
        same = {**shipped, "made_with": None} == {**data, "made_with": None}
        print(f"{POOLS_FILE}: {'up to date' if same else 'differs from what Faker ' + faker.VERSION + ' makes'}")
        return 0 if same else 1
    POOLS_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {POOLS_FILE} ({len(text.encode())} bytes, Faker {faker.VERSION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
