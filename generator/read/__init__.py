"""Reading: the site's sources (content/, authors.yaml) to checked articles and pages."""
