package dev.ttm.persistence;

/**
 * A journal directory that cannot be read: held by a running system ({@link Kind#IN_USE}), not a journal at all
 * ({@link Kind#NOT_A_JOURNAL}: no such directory, no LevelDB database), or damaged ({@link Kind#DAMAGED}: LevelDB
 * cannot open or read it, an entry cannot be deserialized, stamps out of order). The message is one line and names the
 * file, persistence id or sequence number concerned.
 */
public final class JournalProblem extends RuntimeException {
    public enum Kind { IN_USE, NOT_A_JOURNAL, DAMAGED }

    private final Kind kind;

    public JournalProblem(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
