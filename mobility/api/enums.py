"""What a personal API token may do."""
from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class TokenScope(TitledEnum):
    READ = "read"
    READ_WRITE = "read_write"

    @classmethod
    def _titles(cls):
        return {cls.READ: _l("Read only"), cls.READ_WRITE: _l("Read and write")}

    def allows(self, needed: TokenScope) -> bool:
        return self is TokenScope.READ_WRITE or needed is TokenScope.READ
