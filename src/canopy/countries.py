"""ISO 3166-1 alpha-2 country codes and their localised names (from the CLDR data in Babel)."""

from __future__ import annotations

from functools import cache

from babel import Locale

NAME_LOCALES = ("fr", "en", "es", "cs", "sk")
# CLDR also names groupings (EU, EZ, UN) and ISO's user-assigned codes (QO, XA, XB, ZZ…), which
# are not places. XK is user-assigned too, but it is the code everyone uses for Kosovo.
NOT_PLACES = frozenset({"EU", "EZ", "UN"})


def _user_assigned(code: str) -> bool:
    return code in ("AA", "ZZ") or "QM" <= code <= "QZ" or (code[0] == "X" and code != "XK")


@cache
def codes() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        code
        for code in territories
        if isinstance(code, str)
        and len(code) == 2
        and code.isalpha()
        and code not in NOT_PLACES
        and not _user_assigned(code)
    )


def normalize(code: str) -> str:
    """Upper-cased code, or ValueError when it is not a country."""
    value = code.strip().upper()
    if value not in codes():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return value


@cache
def names(code: str) -> dict[str, str]:
    return {locale: str(Locale(locale).territories.get(code, code)) for locale in NAME_LOCALES}
