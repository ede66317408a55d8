"""Database engines: django-prometheus' instrumented ones, with what chatmon adds to them."""
