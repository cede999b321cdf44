"""Images as the site publishes them."""
