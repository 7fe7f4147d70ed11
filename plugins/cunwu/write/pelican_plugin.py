"""The cunwu Pelican plugin: a reader, generators and a writer for cunwu runs.

Registered in every run cunwu starts (``PLUGINS``), next to whatever plugins
the township enables in its ``pelicanconf.py``. Its handlers act only on
cunwu's own runs (the settings name the run), so Pelican's signals, which are
global to the process, never carry one village's work into another's run.

* ``readers_init``: the ``cunwu`` reader (:mod:`cunwu.write.readers`);
* ``get_generators``: in a village run, one generator per disclosure kind
  and the extra outputs (:mod:`cunwu.write.generators`); in the township's
  run, its index (:mod:`cunwu.write.township`);
* ``get_writer``: :class:`cunwu.write.writer.CunwuWriter`.
"""

from __future__ import annotations

from typing import Any

from jinja2 import BytecodeCache
from pelican.plugins import signals

from .generators import village_generators
from .readers import FORMAT, DisclosureReader
from .writer import CunwuWriter


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept for the life of a worker process.

    Pelican builds a fresh Jinja environment for every generator of every
    run; without this each village would compile every template again."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        code = self.store.get(bucket.key + bucket.checksum)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        self.store[bucket.key + bucket.checksum] = bucket.bytecode_to_string()


BYTECODE_CACHE = MemoryBytecodeCache()


def add_reader(readers: Any) -> None:
    if readers.settings.get("CUNWU_VILLAGE") is not None:
        readers.reader_classes[FORMAT] = DisclosureReader


def get_generators(pelican: Any) -> list[type]:
    if pelican.settings.get("CUNWU_VILLAGE") is not None:
        return list(village_generators())
    township = pelican.settings.get("CUNWU_TOWNSHIP")
    if township is not None:
        return [township.generator]
    return []


def get_writer(pelican: Any) -> type | None:
    return CunwuWriter if pelican.settings.get("CUNWU_RUN") is not None else None


def register() -> None:
    signals.readers_init.connect(add_reader)
    signals.get_generators.connect(get_generators)
    signals.get_writer.connect(get_writer)
