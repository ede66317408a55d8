"""chatmon's HTTP API (`/api/v1/`) for chat apps that are not Django, and the LibreChat import command."""
