"""The extractor's version, stored with every article so that pages extracted by older rules can be found.

Bump it in the same commit as any change to extraction output: ``tests/test_extractor_version.py`` fails when
the fixtures' expected output changes while this stays the same.
"""

EXTRACTOR_VERSION = "5"
