"""Complete message definitions in rosbag2's ``ros2msg`` schema encoding.

A recording embeds, for every message type it holds, the type's ``.msg`` text
followed by the text of every type it uses, recursively, each dependency preceded
by a line of 80 ``=`` and a ``MSG: pkg/msg/Type`` line (rosbag2's
docs/message_definition_encoding.md; the MCAP ``ros2`` profile). Readers without
the types installed (Foxglove, rosbags, ``mcap_ros2``) decode the messages from it.

The ``.msg`` files come from the packages' share directories (the ament index), as
rosbag2 reads them; a type whose file is missing is described from its generated
Python class instead (field names and types, without comments or constants).
"""

from __future__ import annotations

import functools
import importlib
import re
from pathlib import Path

SCHEMA_ENCODING = "ros2msg"
MESSAGE_ENCODING = "cdr"
DELIMITER = "=" * 80

PRIMITIVES = frozenset({
    "bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16",
    "int32", "uint32", "int64", "uint64", "string", "wstring",
    # ROS 1 legacy names rosidl still accepts
    "time", "duration",
})


def normalize_type(type_name: str) -> str:
    """``pkg/Type`` or ``pkg/msg/Type`` -> ``pkg/msg/Type``."""
    parts = type_name.strip().strip("/").split("/")
    if len(parts) == 2:
        return f"{parts[0]}/msg/{parts[1]}"
    if len(parts) == 3:
        return "/".join(parts)
    raise ValueError(f"not a message type name: {type_name!r} (expected pkg/msg/Type)")


def message_class(type_name: str):
    """The generated Python class of ``pkg/msg/Type`` (imports the package)."""
    pkg, kind, name = normalize_type(type_name).split("/")
    return getattr(importlib.import_module(f"{pkg}.{kind}"), name)


def _msg_file(type_name: str) -> Path | None:
    pkg, kind, name = normalize_type(type_name).split("/")
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
    except ImportError:
        return None
    try:
        path = Path(get_package_share_directory(pkg)) / kind / f"{name}.msg"
    except PackageNotFoundError:
        return None
    return path if path.is_file() else None


_IDL_SEQUENCE = re.compile(r"^sequence<(.+?)(?:,\s*(\d+))?>$")
_IDL_BOUNDED_STRING = re.compile(r"^(w?string)<(\d+)>$")
_IDL_ARRAY = re.compile(r"^(.+)\[(\d+)\]$")


def _msg_type_from_idl(idl: str) -> str:
    """rosidl's get_fields_and_field_types() spelling -> .msg spelling."""
    if m := _IDL_SEQUENCE.match(idl):
        inner, bound = m.groups()
        return f"{_msg_type_from_idl(inner)}[{'<=' + bound if bound else ''}]"
    if m := _IDL_ARRAY.match(idl):
        return f"{_msg_type_from_idl(m.group(1))}[{m.group(2)}]"
    if m := _IDL_BOUNDED_STRING.match(idl):
        return f"{m.group(1)}<={m.group(2)}"
    idl = {"double": "float64", "float": "float32", "boolean": "bool", "octet": "byte",
           "long": "int32", "unsigned long": "uint32", "long long": "int64",
           "unsigned long long": "uint64", "short": "int16", "unsigned short": "uint16"}.get(idl, idl)
    return idl


def own_definition(type_name: str) -> str:
    """The ``.msg`` text of one type (without its dependencies)."""
    path = _msg_file(type_name)
    if path is not None:
        return path.read_text()
    cls = message_class(type_name)
    fields = cls.get_fields_and_field_types()
    return "".join(f"{_msg_type_from_idl(t)} {n}\n" for n, t in fields.items())


def field_types(definition: str, package: str) -> list[str]:
    """The complex (non-primitive) types a ``.msg`` text uses, as pkg/msg/Type, in order."""
    found: list[str] = []
    for raw_line in definition.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        type_token = line.split()[0]
        base = re.sub(r"\[.*\]$", "", type_token)  # arrays: T[], T[N], T[<=N]
        base = re.sub(r"<=\d+$", "", base)  # bounded strings
        if base in PRIMITIVES:
            continue
        if "/" in base:
            full = normalize_type(base)
        elif base == "Header":
            full = "std_msgs/msg/Header"
        else:
            full = f"{package}/msg/{base}"
        if full not in found:
            found.append(full)
    return found


@functools.lru_cache(maxsize=None)
def full_definition(type_name: str) -> str:
    """The complete ``ros2msg`` definition of ``type_name``: its own text, then each
    type it depends on (depth first, each once) after the rosbag2 delimiter."""
    root = normalize_type(type_name)
    parts = [own_definition(root).rstrip("\n")]
    seen = {root}
    stack = list(reversed(field_types(parts[0], root.split("/")[0])))
    while stack:
        dep = stack.pop()
        if dep in seen:
            continue
        seen.add(dep)
        text = own_definition(dep).rstrip("\n")
        parts.append(f"{DELIMITER}\nMSG: {dep}\n{text}")
        stack.extend(reversed(field_types(text, dep.split("/")[0])))
    return "\n".join(parts) + "\n"
