"""Finders: each finds one kind of thing (authors, documents, dates, quotes, labels) in a
region of a parsed page. The text layer runs them on the page's article; a site profile runs
them on the regions its designs trust, with the site's own rules (``SiteRules``)."""
