"""Splits personal values out of JSON documents (traits, properties, context) and puts them back.

A key is personal when its normalised name is in the classification (config), at any depth; the
whole value under it is moved (an address object moves whole). Paths are JSON-pointer-like lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

DEFAULT_PERSONAL_KEYS = frozenset(
    {
        "email",
        "phone",
        "mobile",
        "name",
        "firstname",
        "lastname",
        "username",
        "address",
        "street",
        "birthday",
        "birthdate",
        "dateofbirth",
        "dob",
        "ip",
        "avatar",
        "title",
        "gender",
        "age",
        "advertisingid",
        "deviceid",
        "useragent",
        "useragentdata",
        "token",
        "latitude",
        "longitude",
        "location",
        "postalcode",
        "zip",
        "ssn",
        "nationalid",
        "passport",
        "website",
        "city",
    }
)
_FOLD = re.compile(r"[\s_\-]")


def fold_key(key: str) -> str:
    return _FOLD.sub("", key).lower()


class Classifier:
    def __init__(self, personal_keys: Iterable[str] = DEFAULT_PERSONAL_KEYS) -> None:
        self._keys = frozenset(fold_key(key) for key in personal_keys)

    def is_personal(self, key: str) -> bool:
        return fold_key(key) in self._keys

    def split(self, document: Any, path: tuple = ()) -> tuple[Any, list[list]]:
        """(document without personal values, [[path, value], ...])."""
        if isinstance(document, dict):
            public: dict = {}
            personal: list[list] = []
            for key, value in document.items():
                if self.is_personal(key):
                    personal.append([[*path, key], value])
                    continue
                public[key], found = self.split(value, (*path, key))
                personal.extend(found)
            return public, personal
        if isinstance(document, list):
            items, personal = [], []
            for index, value in enumerate(document):
                item, found = self.split(value, (*path, index))
                items.append(item)
                personal.extend(found)
            return items, personal
        return document, []


def merge(public: Any, personal: Iterable[list]) -> Any:
    """Puts personal values back at their paths (the inverse of Classifier.split)."""
    for path, value in personal:
        target = public
        for step in path[:-1]:
            target = target[step]
        last = path[-1]
        if isinstance(target, list):
            target.insert(last, value)
        else:
            target[last] = value
    return public
