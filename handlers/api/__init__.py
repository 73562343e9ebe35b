"""The client HTTP API: Orchestra's paths, shapes and HTTP-signature authentication."""

from handlers.api.auth import Keyring
from handlers.api.views import client_api

__all__ = ["Keyring", "client_api"]
