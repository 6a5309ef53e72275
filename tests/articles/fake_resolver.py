"""A link resolver for tests (settings.REFERENCE_RESOLVER): answers from ANSWERS, no network."""

# url -> (resolves, detail); a URL not listed resolves.
ANSWERS: dict[str, tuple[bool | None, str]] = {}
ASKED: list[str] = []


def resolve(url: str) -> tuple[bool | None, str]:
    ASKED.append(url)
    return ANSWERS.get(url, (True, "HTTP 200"))
