/**
 * Journaling of the TTM model on Pekko Persistence (typed) with a LevelDB store.
 *
 * <p>This package will hold the journal wiring for the event-sourced actors of
 * {@code dev.ttm.actors} (buffer objects, region managers, the IO manager): the global
 * stamp that orders every state transition of every entity, the LevelDB journal setup
 * (pure-Java {@code org.iq80.leveldb} or native {@code leveldbjni}), a reader for
 * journals (also of runs that crashed), and the replayer that folds a journal through the
 * pure model's {@code apply} functions and re-runs its {@code handle} functions to check
 * that today's code still decides the same (docs/semantics.md).
 *
 * <p>Configuration lives under {@code ttm.persistence} in this module's
 * {@code reference.conf} ({@code data-dir}, {@code fsync}).
 */
package dev.ttm.persistence;
