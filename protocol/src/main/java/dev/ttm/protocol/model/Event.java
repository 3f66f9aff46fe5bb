package dev.ttm.protocol.model;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A state transition of one entity, past tense. Folding an entity's events through its {@code evolve}
 * rebuilds its state: that is all replay does. Journaled with a type id (see {@link ModelTypes}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
public sealed interface Event permits BufferObject.BoEvent, RegionManager.RegionEvent, IoManager.IoEvent, Execbuf.ExecEvent {}
