"""What every feature shares: access decorators, htmx helpers, security headers, error pages, health."""
