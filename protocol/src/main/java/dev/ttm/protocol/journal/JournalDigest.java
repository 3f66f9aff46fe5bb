package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.StateDigest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digest of a journal: SHA-256 over one line per entry in stamp order, {@code run stamp entity input events}, with
 * the run as its ordinal (1, 2, ... in stamp order; run ids are random, so two runs of one scenario on the simulator
 * give the same digest) and the input and events in their canonical text ({@link StateDigest#canonical}). Equal
 * journals give equal digests; the serialization bytes do not matter, so a journal whose entries were migrated from an
 * older format keeps its digest.
 */
public final class JournalDigest {
    private final MessageDigest sha;

    public JournalDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void add(int run, JournalEntry e) {
        add(run, e, StateDigest.canonical(e.recorded().events()));
    }

    /** The same, with the canonical text of the entry's events already made ({@code events}: {@code StateDigest.canonical(e.recorded().events())}). */
    public void add(int run, JournalEntry e, String events) {
        Recorded r = e.recorded();
        // The line in one builder (the same text as concatenating its parts): no intermediate string for the input.
        StringBuilder line = new StringBuilder(128 + events.length());
        line.append(run).append(' ').append(r.stamp()).append(' ').append(e.entity()).append(' ');
        StateDigest.canonical(line, r.input()).append(' ').append(events).append('\n');
        sha.update(line.toString().getBytes(StandardCharsets.UTF_8));
    }

    public String hex() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
