package dev.ttm.actors;

/**
 * Marker for every message, event and snapshot that may cross a serialization boundary
 * (the journal, or later the network). Bound to Pekko's {@code jackson-cbor} serializer in
 * this module's {@code reference.conf}; Java serialization is switched off.
 */
public interface CborSerializable {}
