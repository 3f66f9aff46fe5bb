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
        line.clear();
        if (write(run, e)) line.update(sha);
    }

    /**
     * Adds the lines of {@code entries[0..n)}, {@code runs[i]} being the run ordinal of {@code entries[i]}: the same
     * bytes as {@link #add(int, JournalEntry)} one by one, handed to SHA-256 in fewer, larger pieces (a call per line
     * cost a tenth of hashing). Afterwards {@link #lastEvents} is that of {@code entries[n - 1]}.
     */
    public void addAll(int[] runs, JournalEntry[] entries, int n) {
        line.clear();
        for (int i = 0; i < n; i++) {
            if (!write(runs[i], entries[i])) continue; // hashed already, as a string, after the lines before it
            if (i < n - 1 && line.length() >= FLUSH) { // the last entry's line stays for lastEvents
                line.update(sha);
                line.clear();
            }
        }
        if (line.length() > 0) line.update(sha);
    }

    /** Bytes of lines gathered before they are hashed (a few lines: the buffer stays in the cache). */
    private static final int FLUSH = 8192;

    /**
     * Appends {@code e}'s line to the bytes; true if it is there. A line with a character outside ASCII is taken back:
     * the lines before it are hashed, then it is made as a string and hashed (false).
     */
    private boolean write(int run, JournalEntry e) {
        Recorded r = e.recorded();
        int start = line.length();
        line.append(run).append(' ').append(r.stamp()).append(' ').append(e.entity().toString()).append(' ').value(r.input()).append(' ');
        eventsFrom = line.length();
        line.value(r.events());
        eventsTo = line.length();
        line.append('\n');
        if (!line.ascii()) {
            line.truncate(start);
            if (start > 0) line.update(sha);
            line.clear();
            add(run, e, StateDigest.canonical(r.events()));
            return false;
        }
        lastEvents = null;
        assert lastEvents().equals(StateDigest.canonical(r.events())) && line.text(start, line.length()).equals(text(run, e, lastEvents()))
                : "the line written as bytes is not the canonical line: " + line.text(start, line.length());
        return true;
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
