"""The archive on the web: newsarchive's Datasette plugin (Hebrew search page and SQL functions) and the
metadata `newsarchive serve` hands Datasette (facets, canned queries). Above the store: it reads the archive,
the store never imports it."""
