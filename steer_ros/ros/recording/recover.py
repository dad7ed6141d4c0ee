"""Recover a recording whose recorder was killed before it finalized the file.

Such a file holds every chunk flushed before the kill but no summary, index or
footer: this package's reader scans it, but ``ros2 bag``, rosbags and Foxglove want
the index. :func:`recover` copies the readable messages, with their schemas,
channels (QoS metadata included) and times, into a new, finalized file.
"""

from __future__ import annotations

import os
from pathlib import Path

from mcap.writer import CompressionType, Writer

from steer_ros.ros.recording.reader import Recording
from steer_ros.ros.recording.recorder import LIBRARY, PROFILE, TopicSummary, bag_metadata_yaml


def recover(src: str | os.PathLike, dst: str | os.PathLike | None = None) -> tuple[Path, int]:
    """Write the readable part of ``src`` to ``dst`` (default: ``<src stem>.recovered.mcap``),
    finalized. Returns (dst, messages copied)."""
    src = Path(src)
    dst = Path(dst) if dst is not None else src.with_name(f"{src.stem}.recovered.mcap")
    if dst.resolve() == src.resolve():
        raise ValueError("recover into a new file, not over the damaged one")
    schema_ids: dict[int, int] = {}
    channel_ids: dict[int, int] = {}
    counts: dict[int, int] = {}
    meta: dict[int, tuple[str, str, str, str]] = {}
    first = last = None
    with Recording(src) as rec, open(dst, "wb") as out:
        writer = Writer(out, compression=CompressionType.ZSTD)
        writer.start(profile=PROFILE, library=LIBRARY)
        for schema, channel, message in rec._linear():
            if schema is not None and schema.id not in schema_ids:
                schema_ids[schema.id] = writer.register_schema(schema.name, schema.encoding, schema.data)
            if channel.id not in channel_ids:
                channel_ids[channel.id] = writer.register_channel(
                    channel.topic, channel.message_encoding, schema_ids.get(channel.schema_id, 0),
                    dict(channel.metadata))
                meta[channel.id] = (channel.topic, schema.name if schema else "",
                                    channel.metadata.get("offered_qos_profiles", ""),
                                    channel.metadata.get("topic_type_hash", ""))
            writer.add_message(channel_ids[channel.id], log_time=message.log_time, data=message.data,
                               publish_time=message.publish_time, sequence=message.sequence)
            counts[channel.id] = counts.get(channel.id, 0) + 1
            first = message.log_time if first is None else min(first, message.log_time)
            last = message.log_time if last is None else max(last, message.log_time)
        topics = [TopicSummary(*meta[cid], counts[cid]) for cid in channel_ids]
        start = first or 0
        writer.add_metadata("rosbag2", {"serialized_metadata": bag_metadata_yaml(
            dst.name, topics, start, (last or start) - start)})
        writer.finish()
    return dst, sum(counts.values())
