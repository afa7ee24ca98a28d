"""The staff console: the web pages and JSON API help-desk staff use to answer handed-off residents."""
