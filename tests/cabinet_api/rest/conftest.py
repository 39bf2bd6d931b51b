from __future__ import annotations

from tests.cabinet_api.services.conftest import anna, boris, cabinet, files_root

__all__ = ["anna", "boris", "cabinet", "files_root"]
