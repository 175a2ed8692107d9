"""The Hebrew prefix letters and their common combinations (ו, ה, ב, כ, ל, מ, ש...), longest first."""

PREFIXES: tuple[str, ...] = tuple(
    sorted(
        "ה ו ב ל מ ש כ וה וב ול ומ וש וכ שה שב של שמ מה כש וכש ומה כשה ושה שכ לכש מש ושב ושל".split(),
        key=len,
        reverse=True,
    )
)
