package dev.ttm.protocol.journal;

import dev.ttm.protocol.model.CanonicalBytes;
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
    /** The last entry's line, written as bytes (see {@link #add(int, JournalEntry)}). */
    private final CanonicalBytes line = new CanonicalBytes();
    private int eventsFrom;
    private int eventsTo;
    /** The canonical text of the last entry's events, once made. */
    private String lastEvents;

    public JournalDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Adds {@code e}'s line. It is written straight into bytes and hashed, with no string made ({@link CanonicalBytes});
     * a line with a character outside ASCII is made as a string, as it always was. The same bytes either way.
     */
    public void add(int run, JournalEntry e) {
        Recorded r = e.recorded();
        line.clear().append(run).append(' ').append(r.stamp()).append(' ').append(e.entity().toString()).append(' ').value(r.input()).append(' ');
        eventsFrom = line.length();
        line.value(r.events());
        eventsTo = line.length();
        line.append('\n');
        if (!line.ascii()) {
            add(run, e, StateDigest.canonical(r.events()));
            return;
        }
        lastEvents = null;
        assert lastEvents().equals(StateDigest.canonical(r.events())) && line.text(0, line.length()).equals(text(run, e, lastEvents()))
                : "the line written as bytes is not the canonical line: " + line.text(0, line.length());
        line.update(sha);
    }

    /** The canonical text of the events of the entry added last ({@code StateDigest.canonical(e.recorded().events())}). */
    public String lastEvents() {
        if (lastEvents == null) lastEvents = line.text(eventsFrom, eventsTo);
        return lastEvents;
    }

    /** The same, with the canonical text of the entry's events already made ({@code events}: {@code StateDigest.canonical(e.recorded().events())}). */
    public void add(int run, JournalEntry e, String events) {
        lastEvents = events;
        sha.update(text(run, e, events).getBytes(StandardCharsets.UTF_8));
    }

    /** An entry's line: {@code run stamp entity input events}. */
    private static String text(int run, JournalEntry e, String events) {
        Recorded r = e.recorded();
        return run + " " + r.stamp() + " " + e.entity() + " " + StateDigest.canonical(r.input()) + " " + events + "\n";
    }

    public String hex() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
