"""The scope vocabulary of §2 and its rules: ``_rw`` implies ``_r``; the docs' typo is an alias."""

from __future__ import annotations

from collections.abc import Iterable

SCOPES: dict[str, str] = {
    "me_r": "Read access on your personal information",
    "organizations_rw": "Read and Write access on your organization(s)",
    "organizations_r": "Read access on your organization(s)",
    "jobs_rw": "Read and Write access on your job offers",
    "jobs_r": "Read access on your job offers",
    "offices_rw": "Read and Write access on your offices",
    "offices_r": "Read access on your offices",
    "departments_rw": "Read and Write access on your departments",
    "departments_r": "Read access on your departments",
    "candidates_rw": "Read and Write access on all candidates (limited to user's role)",
    "candidates_r": "Read access on all candidates (limited to user's role)",
    "my_candidates_rw": "Read and Write access on the candidates this user created through the API",
    "my_candidates_r": "Read access on the candidates this user created through the API",
    "documents_rw": "Read and Write access on your candidate files",
    "documents_r": "Read access on your candidate files",
    "emails_rw": "Read and Write access on your candidate emails",
    "emails_r": "Read access on your candidate emails",
    "comments_w": "Write access on your candidate comments",
    "images_r": "Read access to your images",
    "moves_r": "Read access on candidates moves",
    "videos_r": "Read access on your video files",
    "tools_r": "Read access on tools",
    "su_offices_r": "Read access on offices of any organization",
    "su_offices_rw": "Read and Write access on offices of any organization",
    "su_jobs_r": "Read access on jobs of any organization",
    "su_departments_r": "Read access on departments of any organization",
    "su_organizations_r": "Read access on information of any organization",
    "su_images_r": "Read access to images of any organization",
    "su_videos_r": "Read access to videos of any organization",
    "cms_articles_r": "Read access to articles",
    "cms_collections_r": "Read access to article collections",
    "cms_collection_categories_r": "Read access to article collection categories",
}

ALIASES = {"my_candidtates_rw": "my_candidates_rw"}

# The partnership scopes: they read across every organisation (``su_*``) or WTTJ's articles
# (``cms_*``), so a token holds them only when asked for by name or with the word ``partner``.
PARTNER_PREFIXES = ("su_", "cms_")


def is_partner(scope: str) -> bool:
    return scope.startswith(PARTNER_PREFIXES)


# The command line's words for sets of scopes (§15.4): ``all`` stays inside the token user's
# organisations; ``all,partner`` is everything.
WORDS: dict[str, tuple[str, ...]] = {
    "all": tuple(s for s in SCOPES if not is_partner(s)),
    "partner": tuple(s for s in SCOPES if is_partner(s)),
}


def normalize(scope: str) -> str:
    scope = scope.strip()
    return ALIASES.get(scope, scope)


def unknown(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if normalize(s) not in SCOPES]


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """Every scope a token holds, implied ones included."""
    held: set[str] = set()
    for raw in scopes:
        scope = normalize(raw)
        held.add(scope)
        if scope.endswith("_rw"):
            held.add(scope[:-1])
    return frozenset(held)
