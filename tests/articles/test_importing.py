"""Importing articles: splitting plain text and Markdown into sections, and `import_article`."""

import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importing import ImportedArticle, parse_article
from articles.models import Article, Section, slug_validator
from articles.selectors import section_list
from ldncontent.permissions import EDITORS

FIXTURES = Path(__file__).parent / "fixtures"
TOC_TITLE = "Starting Low-Dose Naltrexone: A Practical Guide"
TOC_HEADINGS = [
    "Introduction",
    "Why the Dose Is So Low",
    "Getting a Prescription",
    "The First Few Weeks",
    "Common Early Side Effects",
    "When to Call Your Prescriber",
]
TOC_ANCHORS = [
    "introduction",
    "why-the-dose-is-so-low",
    "getting-a-prescription",
    "the-first-few-weeks",
    "common-early-side-effects",
    "when-to-call-your-prescriber",
]
TOC_SLUG = "starting-low-dose-naltrexone-a-practical-guide"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def headings(article: ImportedArticle) -> list[str]:
    return [section.heading for section in article.sections]


def anchors(article: ImportedArticle) -> list[str]:
    return [section.anchor for section in article.sections]


def body_text(article: ImportedArticle) -> str:
    return "\n".join(section.body for section in article.sections)


def body_of(article: ImportedArticle, heading: str) -> str:
    return next(section.body for section in article.sections if section.heading == heading)


# Parsing plain text


def test_plain_text_first_line_is_the_title():
    article = parse_article(fixture_text("plain_with_toc.txt"), fmt="text")

    assert article.title == TOC_TITLE


def test_plain_text_toc_entries_become_headings():
    article = parse_article(fixture_text("plain_with_toc.txt"), fmt="text")

    assert headings(article) == TOC_HEADINGS
    assert anchors(article) == TOC_ANCHORS


def test_plain_text_toc_block_is_dropped():
    article = parse_article(fixture_text("plain_with_toc.txt"), fmt="text")

    assert "Table of Contents" not in body_text(article)
    assert "- Why the Dose Is So Low" not in body_text(article)


def test_plain_text_before_the_first_heading_becomes_the_introduction():
    article = parse_article(fixture_text("plain_with_toc.txt"), fmt="text")

    introduction = article.sections[0]
    assert (introduction.heading, introduction.anchor) == ("Introduction", "introduction")
    assert introduction.body.startswith("Low-dose naltrexone, usually shortened to LDN,")
    assert introduction.body.endswith("the first review with your prescriber.")


def test_plain_text_lines_without_blank_lines_become_separate_paragraphs():
    article = parse_article(fixture_text("plain_with_toc.txt"), fmt="text")

    assert article.sections[0].body.count("\n\n") == 2


def test_plain_text_list_items_stay_together_as_one_markdown_list():
    article = parse_article(fixture_text("plain_with_toc.txt"), fmt="text")

    assert body_of(article, "Common Early Side Effects").endswith(
        "include:\n\n"
        "- Vivid dreams or trouble sleeping\n- Mild headache\n- Nausea in the first days"
    )


def test_plain_text_bullets_are_written_as_markdown_dashes():
    article = parse_article("Title\n\nIntro text here.\n\n* first\n+ second\n• third\n", fmt="text")

    assert article.sections[0].body == "Intro text here.\n\n- first\n- second\n- third"


def test_plain_text_toc_whose_entries_do_not_all_reappear_is_kept_as_text():
    text = (
        "Taking LDN\n"
        "An introduction to the daily routine of taking low-dose naltrexone.\n"
        "Contents\n"
        "- Dosing\n"
        "- Storage\n"
        "Dosing\n"
        "Take it at night, at about the same time every day, with or without food.\n"
        "Travel\n"
        "Carry it in your hand luggage with a copy of the prescription.\n"
    )

    article = parse_article(text, fmt="text")

    assert headings(article) == ["Introduction", "Dosing", "Travel"]
    assert article.sections[0].body == (
        "An introduction to the daily routine of taking low-dose naltrexone.\n\n"
        "Contents\n\n- Dosing\n- Storage"
    )


def test_plain_text_short_lines_between_blank_lines_become_headings():
    article = parse_article(fixture_text("plain_blank_lines.txt"), fmt="text")

    assert article.title == "Low-Dose Naltrexone Beyond Addiction Medicine"
    assert headings(article) == [
        "Introduction",
        "The Standard Use of Naltrexone",
        "What Changes at a Low Dose",
        "Talking to Your Doctor",
    ]
    assert anchors(article) == [
        "introduction",
        "the-standard-use-of-naltrexone",
        "what-changes-at-a-low-dose",
        "talking-to-your-doctor",
    ]


def test_plain_text_list_between_paragraphs_keeps_its_blank_lines():
    article = parse_article(fixture_text("plain_blank_lines.txt"), fmt="text")

    assert (
        "such as:\n\n- fibromyalgia\n- Crohn's disease\n- complex regional pain syndrome\n\n"
        "The evidence" in body_of(article, "What Changes at a Low Dose")
    )


@pytest.mark.parametrize("ending", [".", ",", ";", ":"])
def test_plain_text_short_line_ending_like_a_sentence_is_not_a_heading(ending):
    article = parse_article(f"Title\n\nShort line{ending}\n\nA paragraph.\n", fmt="text")

    assert headings(article) == ["Introduction"]


def test_plain_text_first_line_too_long_for_a_title_is_kept_as_text():
    first_line = "Low-dose naltrexone is " + "a long sentence " * 15
    article = parse_article(f"{first_line}\nDosing\nTake it at night, every night.\n", fmt="text")

    assert article.title == ""
    assert article.sections[0].body == first_line.strip()


# Parsing Markdown


def test_markdown_h1_is_the_title_and_h2_headings_split_sections():
    article = parse_article(fixture_text("markdown_article.md"), fmt="markdown")

    assert article.title == "Taking Low-Dose Naltrexone at Home"
    assert headings(article) == [
        "Introduction",
        "Timing Your Dose",
        "Keeping a Symptom Diary",
        "Questions for Your Pharmacist",
    ]
    assert anchors(article) == [
        "introduction",
        "timing-your-dose",
        "keeping-a-symptom-diary",
        "questions-for-your-pharmacist",
    ]


def test_markdown_deeper_headings_stay_in_the_body():
    article = parse_article(fixture_text("markdown_article.md"), fmt="markdown")

    assert "\n\n### If you miss a dose\n\n" in body_of(article, "Timing Your Dose")


def test_markdown_hash_line_in_fenced_code_is_not_a_heading():
    article = parse_article(fixture_text("markdown_article.md"), fmt="markdown")

    assert "not a heading" not in headings(article)
    assert "```text\n# not a heading\n" in body_of(article, "Keeping a Symptom Diary")


def test_markdown_bodies_are_the_source_lines_verbatim():
    text = "# Title\n\n## Part\n\n\nLine with a hard break  \nnext line\n\n"

    article = parse_article(text, fmt="markdown")

    assert article.sections[0].body == "Line with a hard break  \nnext line"


def test_markdown_without_a_leading_h1_has_no_title():
    article = parse_article("Some intro.\n\n## Dosing\n\nAt night.\n", fmt="markdown")

    assert article.title == ""
    assert headings(article) == ["Introduction", "Dosing"]


def test_heading_longer_than_200_characters_is_not_a_heading():
    long_heading = "low dose naltrexone " * 12

    article = parse_article(f"# Title\n\n## {long_heading}\n\nText.\n", fmt="markdown")

    assert headings(article) == ["Introduction"]
    assert long_heading.strip() in article.sections[0].body


def test_auto_format_reads_text_with_markdown_headings_as_markdown():
    text = fixture_text("markdown_article.md")

    assert parse_article(text) == parse_article(text, fmt="markdown")


def test_auto_format_reads_text_without_markdown_headings_as_plain_text():
    text = fixture_text("plain_with_toc.txt")

    assert parse_article(text) == parse_article(text, fmt="text")


# Anchors


def test_duplicate_headings_get_unique_anchors():
    text = "# Title\n\nIntro.\n\n## Introduction\n\nA.\n\n## Dosing\n\nB.\n\n## Dosing\n\nC.\n"

    article = parse_article(text, fmt="markdown")

    assert anchors(article) == ["introduction", "introduction-2", "dosing", "dosing-2"]


def test_long_anchors_are_cut_to_80_characters_without_a_trailing_hyphen_and_stay_unique():
    heading = "dose " * 19
    text = f"## {heading}\n\nFirst.\n\n## {heading}\n\nSecond.\n"

    article = parse_article(text, fmt="markdown")

    assert anchors(article) == [("dose-" * 16).rstrip("-"), "dose-" * 15 + "dos-2"]
    assert all(len(anchor) <= 80 for anchor in anchors(article))


def test_heading_without_slug_characters_gets_a_numbered_anchor():
    article = parse_article("# Title\n\nIntro.\n\n## ★★★\n\nText.\n", fmt="markdown")

    assert anchors(article) == ["introduction", "section-2"]


def test_anchors_pass_the_slug_validator():
    article = parse_article("# Title\n\n## dose_per_day -- _morning_\n\nText.\n")

    assert anchors(article) == ["dose-per-day-morning"]
    slug_validator(article.sections[0].anchor)


# What is never lost


def test_blank_input_is_refused():
    with pytest.raises(ValueError, match="empty"):
        parse_article(" \n\t\n")


def is_title_heading_or_toc(line: str, article: ImportedArticle) -> bool:
    text = line.strip().lstrip("#").strip()
    names = {article.title, *headings(article)}
    return text in names or text == "Table of Contents" or text.removeprefix("- ") in names


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("plain_with_toc.txt", "text"),
        ("plain_blank_lines.txt", "text"),
        ("markdown_article.md", "markdown"),
    ],
)
def test_no_text_is_lost_from_fixture(name, fmt):
    text = fixture_text(name)
    article = parse_article(text, fmt=fmt)

    lost = [
        line
        for line in text.splitlines()
        if line.strip()
        and not is_title_heading_or_toc(line, article)
        and line.strip() not in body_text(article)
    ]
    assert lost == []


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzLDN0123456789'", min_size=1, max_size=9)
sentences = st.builds(
    lambda parts, ending: " ".join(parts) + ending,
    st.lists(words, min_size=1, max_size=25),
    st.sampled_from(["", ".", ",", ";", ":", "?"]),
)
lines = st.one_of(
    sentences,
    st.builds(" ".join, st.lists(words, min_size=1, max_size=3)),
    st.builds(lambda marker, item: marker + item, st.sampled_from(["- ", "* ", "1. "]), sentences),
    st.sampled_from(["", "", "   ", "Table of Contents", "contents:", "# Not markdown here"]),
)
padding = st.sampled_from(["", " ", "\t"])
texts = st.lists(
    st.builds(lambda before, line, after: before + line + after, padding, lines, padding),
    min_size=1,
    max_size=40,
).map("\n".join)


def is_kept(line: str, article: ImportedArticle) -> bool:
    text = line.strip()
    heading_keys = {heading.casefold() for heading in headings(article)}
    item = re.fullmatch(r"[-*]\s+(?P<text>.*)", text)
    body_lines = set(body_text(article).split("\n"))
    return (
        text in (article.title, *headings(article))
        or (f"- {item['text']}" if item else text) in body_lines
        # A table of contents is dropped only when all its entries reappear as headings.
        or re.fullmatch(r"(table of )?contents:?", text, re.IGNORECASE) is not None
        or (item is not None and item["text"].casefold() in heading_keys)
        or (text.startswith("1. ") and text[3:].casefold() in heading_keys)
    )


@settings(max_examples=300, deadline=None)
@given(texts.filter(str.strip))
def test_parsing_never_fails_and_loses_no_line(text):
    article = parse_article(text, fmt="text")
    parse_article(text)

    assert [line for line in text.split("\n") if line.strip() and not is_kept(line, article)] == []


# The import_article command


@pytest.fixture
def superuser(django_user_model):
    """The default author: the first superuser, who writes articles as an editor."""
    user = django_user_model.objects.create_superuser(
        "admin", "admin@example.org", "a-long-test-password"
    )
    user.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
    return user


def import_article(path: Path, **options) -> str:
    output = StringIO()
    call_command("import_article", str(path), stdout=output, **options)
    return output.getvalue()


@pytest.mark.django_db
def test_command_creates_the_article_with_its_sections(superuser):
    output = import_article(
        FIXTURES / "plain_with_toc.txt", topics="ldn, starting", audience="caregiver"
    )

    article = Article.objects.get(slug=TOC_SLUG)
    assert (article.title, article.author, article.topics, article.audience) == (
        TOC_TITLE,
        superuser,
        ["ldn", "starting"],
        "caregiver",
    )
    assert [section.anchor for section in section_list(article=article)] == TOC_ANCHORS
    assert output == f"Created {TOC_SLUG}: {TOC_TITLE!r}, 6 sections.\n"


@pytest.mark.django_db
def test_command_records_the_file_name_as_the_history_reason(superuser):
    import_article(FIXTURES / "plain_with_toc.txt")

    article = Article.objects.get(slug=TOC_SLUG)
    reasons = {
        *Article.history.filter(id=article.pk).values_list("history_change_reason", flat=True),
        *Section.history.filter(article_id=article.pk).values_list(
            "history_change_reason", flat=True
        ),
    }
    assert reasons == {"Imported from plain_with_toc.txt"}


@pytest.mark.django_db
def test_command_shortens_a_long_file_name_to_fit_the_history_reason(superuser, tmp_path):
    path = tmp_path / f"{'a-long-file-name-' * 8}.txt"
    path.write_text((FIXTURES / "plain_with_toc.txt").read_text(encoding="utf-8"), encoding="utf-8")
    import_article(path)

    reasons = set(Section.history.values_list("history_change_reason", flat=True))
    assert len(reasons) == 1
    reason = reasons.pop()
    assert reason.startswith("Imported from a-long-file-name-a-long-file-name-")
    assert len(reason) == 100 and reason.endswith("…")


@pytest.mark.django_db
def test_command_uses_the_given_slug_title_and_summary(superuser):
    import_article(
        FIXTURES / "plain_blank_lines.txt",
        slug="ldn-beyond-addiction",
        title="LDN outside addiction care",
        summary="What low doses of naltrexone are studied for.",
    )

    article = Article.objects.get(slug="ldn-beyond-addiction")
    assert article.title == "LDN outside addiction care"
    assert article.summary == "What low doses of naltrexone are studied for."


@pytest.mark.django_db
def test_command_reads_md_files_as_markdown(superuser, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("A first line that is not a title.\n\nMore text.\n", encoding="utf-8")

    import_article(path, title="LDN notes")

    [section] = section_list(article=Article.objects.get(slug="ldn-notes"))
    assert section.body == "A first line that is not a title.\n\nMore text."


@pytest.mark.django_db
def test_command_refuses_an_existing_slug_without_replace(superuser, make_article):
    make_article(slug="stopping-ldn")

    with pytest.raises(CommandError, match="--replace"):
        import_article(FIXTURES / "plain_with_toc.txt", slug="stopping-ldn")


@pytest.mark.django_db
def test_command_with_replace_replaces_the_working_copy(editor_user, make_article):
    make_article(slug="stopping-ldn", topics=["ldn", "tapering"])

    output = import_article(
        FIXTURES / "plain_with_toc.txt", slug="stopping-ldn", replace=True, author="editor"
    )

    article = Article.objects.get(slug="stopping-ldn")
    assert article.title == TOC_TITLE
    assert article.topics == ["ldn", "tapering"]
    assert [section.anchor for section in section_list(article=article)] == TOC_ANCHORS
    deleted = Section.history.filter(article_id=article.pk, history_type="-")
    assert {record.history_change_reason for record in deleted} == {
        "Imported from plain_with_toc.txt"
    }
    assert output.startswith("Replaced stopping-ldn:")


@pytest.mark.django_db
def test_command_with_replace_creates_an_article_that_does_not_exist(superuser):
    output = import_article(FIXTURES / "plain_with_toc.txt", replace=True)

    assert Article.objects.filter(slug=TOC_SLUG).exists()
    assert output.startswith(f"Created {TOC_SLUG}:")


@pytest.mark.django_db
def test_command_refuses_an_unknown_author(superuser):
    with pytest.raises(CommandError, match="No user has the username 'nobody'"):
        import_article(FIXTURES / "plain_with_toc.txt", author="nobody")


@pytest.mark.django_db
def test_command_without_author_or_superuser_is_refused():
    with pytest.raises(CommandError, match="--author"):
        import_article(FIXTURES / "plain_with_toc.txt")


@pytest.mark.django_db
def test_command_refuses_an_empty_file(superuser, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n  \n", encoding="utf-8")

    with pytest.raises(CommandError, match="empty"):
        import_article(path)


@pytest.mark.django_db
def test_command_refuses_a_file_that_is_not_utf8(superuser, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Naltrexone à faible dose\n\nTexte.\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        import_article(path)


@pytest.mark.django_db
def test_command_refuses_a_missing_file(superuser, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_article(tmp_path / "missing.txt")


@pytest.mark.django_db
def test_command_asks_for_a_title_when_the_file_has_none(superuser, tmp_path):
    path = tmp_path / "untitled.md"
    path.write_text("## Dosing\n\nAt night.\n", encoding="utf-8")

    with pytest.raises(CommandError, match="--title"):
        import_article(path)


@pytest.mark.django_db
def test_command_reports_domain_errors_with_their_details(superuser):
    with pytest.raises(CommandError, match="slug: Use lowercase letters"):
        import_article(FIXTURES / "plain_with_toc.txt", slug="Not A Slug")


@pytest.mark.django_db
def test_command_refuses_an_author_who_is_not_an_editor(django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.org", "a-long-password")
    with pytest.raises(CommandError, match="Only editors may create articles"):
        import_article(FIXTURES / "plain_with_toc.txt")
    assert not Article.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("topics", "problem"),
    [
        ("ldn,Not A Slug", "'Not A Slug' is not a topic slug"),
        (",".join(f"topic-{n}" for n in range(21)), "21 topics; the limit is 20"),
        ("ldn," + "x" * 51, "longer than 50 characters"),
    ],
)
def test_command_applies_the_topics_rule_of_the_api(superuser, topics, problem):
    with pytest.raises(CommandError, match=problem):
        import_article(FIXTURES / "plain_with_toc.txt", topics=topics)
    assert not Article.objects.exists()


# --- cost stays linear ----------------------------------------------------------------------

LONG = 10_000  # before the importer was made linear, each case below took minutes


def _parsed_within_seconds(text: str, seconds: float) -> ImportedArticle:
    """A stall bound, not a speed test: a quadratic importer needs far longer on these."""
    started = time.perf_counter()
    article = parse_article(text, fmt="text")
    assert time.perf_counter() - started < seconds
    return article


def test_a_long_table_of_contents_of_repeated_headings_imports_in_linear_time():
    text = (
        "Notes on LDN\n\nContents\n"
        + "- Note\n" * LONG
        + "\n"
        + "Note\n\nA line of text.\n\n" * LONG
    )
    article = _parsed_within_seconds(text, 5)
    anchors = [section.anchor for section in article.sections]
    assert anchors[:3] == ["note", "note-2", "note-3"]
    assert anchors[-1] == f"note-{LONG}"
    assert len(set(anchors)) == LONG


def test_many_table_of_contents_labels_import_in_linear_time():
    text = "Notes on LDN\n\n" + "".join(f"Contents\n- Missing {i}\n\n" for i in range(LONG))
    article = _parsed_within_seconds(text, 5)
    assert len(article.sections) == 1
    assert article.sections[0].body.count("Contents") == LONG
