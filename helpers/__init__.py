"""ml2dl course helpers: data loading (``helpers.data``; files fetched and verified by
``helpers.datastore``), plots (``helpers.plots``) and runtime switches (``helpers.runtime``).  Kept
thin on purpose: a helper used by one notebook only belongs in that notebook."""

from helpers.runtime import (
    bound,
    course_seed,
    device_summary,
    get_profile,
    record_metric,
    set_seed,
    show_source,
    use_fastest_precision,
)

__all__ = [
    "bound",
    "course_seed",
    "device_summary",
    "get_profile",
    "record_metric",
    "set_seed",
    "show_source",
    "use_fastest_precision",
]
