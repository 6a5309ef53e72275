"""Steps other apps add to the review workflow, so that reviews never imports them.

An app registers a function in its AppConfig.ready(); the workflow calls each one inside the
transaction of the step it follows, so a hook that fails undoes the step, and a step undone
leaves nothing of the hook.
"""

from collections.abc import Callable

# Called as hook(review=review, actor=actor) once a review is approved, its version published
# or scheduled (review.kind says whether it was a full or a change review).
_review_approved: list[Callable[..., None]] = []


def on_review_approved(hook: Callable[..., None]) -> Callable[..., None]:
    """Register `hook` to run when a review is approved (once, however often registered)."""
    if hook not in _review_approved:
        _review_approved.append(hook)
    return hook


def review_approved(*, review, actor) -> None:
    """Run every hook registered for an approval, in the order they were registered."""
    for hook in tuple(_review_approved):
        hook(review=review, actor=actor)
