"""Reading recordings back: topics, counts, raw CDR messages and decoded messages.

ROS-free (``mcap`` + ``mcap_ros2``): messages are decoded from the ``ros2msg``
schemas embedded in the file, so a recording opens on a machine without ROS or
steer_ros's messages. A file whose recorder was killed before it wrote the summary
(no index) is read by a linear scan up to the last complete chunk; ``complete`` then
reads False.

Fields added after a recording was made are absent from its decoded messages: read
them with :func:`field_or_none`, which gives their "none" values (0.2.0's goal fields:
plain objective, no floors, caps or off channels, no sum floor, goals met).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from mcap.exceptions import McapError
from mcap.reader import NonSeekingReader, SeekingReader
from mcap_ros2.decoder import DecoderFactory

#: Message fields added since 0.1.0 and their "none" values (what a 0.1.0 recording means).
FIELD_DEFAULTS: dict[str, Any] = {
    "objective": 0,  # SteerCommand.OBJECTIVE_WEIGHTED_SUM
    "mi_floor": (),
    "mi_cap": (),
    "off": (),
    "sum_mi_min": float("nan"),
    "readback": "",  # SteerCommand: no read-back before 0.3.0
    "goals_met": True,
    "mi_shortfall": (),
}


def field_or_none(decoded: Any, name: str) -> Any:
    """``decoded.<name>``, or its "none" value when the recording's schema predates it."""
    if hasattr(decoded, name):
        return getattr(decoded, name)
    if name in FIELD_DEFAULTS:
        return FIELD_DEFAULTS[name]
    raise AttributeError(f"recorded message has no field {name!r}")


@dataclass(frozen=True)
class TopicInfo:
    name: str
    type_name: str  # pkg/msg/Type
    message_encoding: str
    schema_encoding: str
    definition: str  # the embedded complete definition
    offered_qos_profiles: str  # rosbag2's YAML
    message_count: int


@dataclass(frozen=True)
class RecordedMessage:
    topic: str
    type_name: str
    log_time_ns: int  # when the recorder received it
    publish_time_ns: int  # the publisher's source timestamp
    data: bytes  # serialized CDR, as on the wire
    decoded: Any = field(default=None, compare=False)  # attribute access: msg.total_mi, msg.header.stamp.sec


class Recording:
    """An MCAP recording opened for reading (``with Recording(path) as rec``)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._file = open(self.path, "rb")
        self.complete = True
        self.truncated = False
        self.metadata: dict[str, dict[str, str]] = {}
        self.topics: dict[str, TopicInfo] = {}
        self._scan_index()

    # -- index ------------------------------------------------------------------------
    def _summary(self):
        try:
            return SeekingReader(self._file, decoder_factories=[DecoderFactory()]).get_summary()
        except (McapError, EOFError, ValueError, OSError):
            return None

    def _scan_index(self) -> None:
        summary = self._summary()
        if summary is not None and summary.statistics is not None:
            counts = summary.statistics.channel_message_counts
            for channel in summary.channels.values():
                schema = summary.schemas.get(channel.schema_id)
                self.topics[channel.topic] = self._topic_info(channel, schema, counts.get(channel.id, 0))
            try:
                reader = SeekingReader(self._file)
                self.metadata = {m.name: dict(m.metadata) for m in reader.iter_metadata()}
            except (McapError, EOFError, ValueError):
                pass
            return
        # No summary: the recorder died before finishing. Count by a linear scan.
        self.complete = False
        counts: dict[int, int] = {}
        channels, schemas = {}, {}
        for schema, channel, _ in self._linear():
            counts[channel.id] = counts.get(channel.id, 0) + 1
            channels[channel.id] = channel
            schemas[channel.id] = schema
        for cid, channel in channels.items():
            self.topics[channel.topic] = self._topic_info(channel, schemas[cid], counts[cid])

    @staticmethod
    def _topic_info(channel, schema, count: int) -> TopicInfo:
        return TopicInfo(
            name=channel.topic,
            type_name=schema.name if schema else "",
            message_encoding=channel.message_encoding,
            schema_encoding=schema.encoding if schema else "",
            definition=schema.data.decode() if schema else "",
            offered_qos_profiles=channel.metadata.get("offered_qos_profiles", ""),
            message_count=count,
        )

    def _linear(self) -> Iterator:
        """(schema, channel, message) in file order, stopping quietly at a torn tail."""
        self._file.seek(0)
        reader = NonSeekingReader(self._file, record_size_limit=1 << 30)
        try:
            yield from reader.iter_messages(log_time_order=False)
        except (McapError, EOFError, ValueError):
            self.truncated = True

    # -- messages ---------------------------------------------------------------------
    @property
    def counts(self) -> dict[str, int]:
        return {name: info.message_count for name, info in self.topics.items()}

    @property
    def start_ns(self) -> int | None:
        return min((m.log_time_ns for m in self.messages()), default=None)

    def messages(self, topics: Iterable[str] | None = None, decode: bool = False) -> Iterator[RecordedMessage]:
        """Messages in log-time order (file order for an unfinished file)."""
        wanted = None if topics is None else set(topics)
        decoders = DecoderFactory()
        if self.complete:
            self._file.seek(0)
            source = SeekingReader(self._file).iter_messages(
                topics=None if wanted is None else sorted(wanted), log_time_order=True)
        else:
            source = self._linear()
        for schema, channel, message in source:
            if wanted is not None and channel.topic not in wanted:
                continue
            decoded = None
            if decode:
                decoder = decoders.decoder_for(channel.message_encoding, schema)
                decoded = decoder(message.data) if decoder else None
            yield RecordedMessage(channel.topic, schema.name if schema else "", message.log_time,
                                  message.publish_time, bytes(message.data), decoded)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_recording(path: str | os.PathLike) -> Recording:
    return Recording(path)


def find_topic(recording: Recording, suffix: str) -> str | None:
    """The recorded topic whose name ends with ``suffix`` (``steer/allocation`` finds
    ``/steer/allocation`` or ``/radio1/steer/allocation``); None if absent."""
    suffix = "/" + suffix.strip("/")
    matches = sorted(name for name in recording.topics if name == suffix or name.endswith(suffix))
    return matches[0] if matches else None


def independent_counts(path: str | os.PathLike) -> dict[str, int]:
    """Messages per topic as rosbags counts them: a reader independent of the mcap
    library that wrote the file, reading and decoding every message (from the embedded
    schemas) rather than trusting the file's statistics. Compare with
    ``Recorder.counts`` to check a recording end to end."""
    from rosbags.highlevel import AnyReader

    counts: dict[str, int] = {}
    with AnyReader([Path(path)]) as reader:
        for connection, _, raw in reader.messages():
            reader.deserialize(raw, connection.msgtype)
            counts[connection.topic] = counts.get(connection.topic, 0) + 1
    return counts
