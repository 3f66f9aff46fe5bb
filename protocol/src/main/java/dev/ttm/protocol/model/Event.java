package dev.ttm.protocol.model;

/** A state transition of one entity, past tense. Folding events through {@code apply} rebuilds the state. */
public interface Event {}
