"""Programming languages, kept as data so operators can add one without code.

A command is an argv template. Placeholders: ``{source}`` (the source file name),
``{binary}`` (what the compile step leaves behind, default ``main``) and
``{memory_mib}`` (the run's memory limit, for runtimes such as the JVM that size
their heap up front).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from bitcode_core.errors import InvalidQuestion, UnknownLanguage

_PLACEHOLDERS = ("source", "binary", "memory_mib")


@dataclass(frozen=True, slots=True)
class Language:
    key: str
    name: str
    extensions: tuple[str, ...]
    source_file: str
    run: tuple[str, ...]
    compile: tuple[str, ...] = ()
    judge0_id: int | None = None
    # A shell-style pattern for Judge0 language names ("Python (3.*)"): ids
    # differ between Judge0 deployments, names and versions do not.
    judge0_name: str = ""
    # Runtimes that reserve address space far beyond what they use (JVM, V8) get
    # this much on top of the memory limit before the address-space cap bites.
    address_space_extra_mib: int = 0
    # Read-only paths the toolchain needs inside the sandbox beyond the system ones.
    sandbox_paths: tuple[str, ...] = ()

    @property
    def compiled(self) -> bool:
        return bool(self.compile)

    def compile_argv(self) -> list[str]:
        return [self._fill(part, 0) for part in self.compile]

    def run_argv(self, memory_mib: int) -> list[str]:
        return [self._fill(part, memory_mib) for part in self.run]

    def _fill(self, part: str, memory_mib: int) -> str:
        return part.format(
            source=self.source_file, binary="main", memory_mib=memory_mib
        )

    @classmethod
    def from_mapping(cls, key: str, data: Mapping[str, object]) -> Language:
        def strings(name: str, required: bool = False) -> tuple[str, ...]:
            value = data.get(name, [])
            if isinstance(value, str):
                value = value.split()
            if not isinstance(value, list) or not all(
                isinstance(v, str) for v in value
            ):
                raise InvalidQuestion(
                    f"language {key}: {name} must be a list of strings"
                )
            if required and not value:
                raise InvalidQuestion(f"language {key}: {name} is required")
            return tuple(value)

        name = data.get("name", key)
        source_file = data.get("source_file")
        judge0_id = data.get("judge0_id")
        judge0_name = data.get("judge0_name", "")
        extra = data.get("address_space_extra_mib", 0)
        if not isinstance(name, str) or not isinstance(source_file, str):
            raise InvalidQuestion(f"language {key}: name and source_file are required")
        if judge0_id is not None and not isinstance(judge0_id, int):
            raise InvalidQuestion(f"language {key}: judge0_id must be an integer")
        if not isinstance(judge0_name, str):
            raise InvalidQuestion(f"language {key}: judge0_name must be a string")
        if not isinstance(extra, int) or extra < 0:
            raise InvalidQuestion(
                f"language {key}: address_space_extra_mib must be a whole number >= 0"
            )
        language = cls(
            key=key,
            name=name,
            extensions=tuple(
                e.lower().lstrip(".") for e in strings("extensions", True)
            ),
            source_file=source_file,
            run=strings("run", True),
            compile=strings("compile"),
            judge0_id=judge0_id,
            judge0_name=judge0_name,
            address_space_extra_mib=extra,
            sandbox_paths=strings("sandbox_paths"),
        )
        language._check_placeholders()
        return language

    def _check_placeholders(self) -> None:
        for part in self.compile + self.run:
            try:
                part.format(**dict.fromkeys(_PLACEHOLDERS, ""))
            except (KeyError, IndexError, ValueError) as error:
                raise InvalidQuestion(
                    f"language {self.key}: bad placeholder in {part!r}"
                ) from error


class LanguageTable:
    """Languages by key and by file extension."""

    def __init__(self, languages: Iterable[Language]) -> None:
        self._by_key: dict[str, Language] = {}
        for language in languages:
            if language.key in self._by_key:
                raise InvalidQuestion(f"language {language.key} is defined twice")
            self._by_key[language.key] = language

    @classmethod
    def from_mapping(cls, data: Mapping[str, Mapping[str, object]]) -> LanguageTable:
        return cls(Language.from_mapping(key, entry) for key, entry in data.items())

    def __iter__(self) -> Iterator[Language]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, key: str) -> Language:
        try:
            return self._by_key[key]
        except KeyError:
            known = ", ".join(sorted(self._by_key))
            raise UnknownLanguage(
                f"unknown language {key!r} (known: {known})"
            ) from None

    def for_filename(self, filename: str) -> Language:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        for language in self._by_key.values():
            if extension in language.extensions:
                return language
        raise UnknownLanguage(
            f"no language for {filename!r}: unknown extension {extension or '(none)'!r}"
        )
