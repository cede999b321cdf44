"""The site model: articles in order, every list of them, related stories."""
