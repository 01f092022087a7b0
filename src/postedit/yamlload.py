"""YAML loaders for what postedit reads: rule packs and article front matter.

Both refuse a key given twice in one mapping (PyYAML keeps the last one silently). Front matter,
which comes from the articles, is read more strictly: no aliases (``*name``: a few hundred bytes
of nested aliases expand to gigabytes once serialised), and dates stay the strings they are
written as (PyYAML turns ``2024-02-30`` into an exception, and valid ones into objects JSON
cannot hold).
"""

from __future__ import annotations

from typing import Any, ClassVar

import yaml

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where it is built in
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _check_unique(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            continue  # an unhashable key: the constructor says so itself
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"the key {key!r} is given twice",
                key_node.start_mark,
            )


class PackLoader(_BASE):
    """Rule packs: safe YAML, each key once per mapping."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        _check_unique(self, node)
        return super().construct_mapping(node, deep=deep)


class MetaLoader(yaml.SafeLoader):
    """Front matter: safe YAML, each key once, no aliases, dates as written."""

    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        _check_unique(self, node)
        return super().construct_mapping(node, deep=deep)
