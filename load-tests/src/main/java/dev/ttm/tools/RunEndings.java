package dev.ttm.tools;

import dev.ttm.actors.TtmSystem;
import dev.ttm.persistence.JournalReader;
import dev.ttm.protocol.journal.JournalEntry;
import dev.ttm.protocol.journal.RunStarted;
import dev.ttm.protocol.model.BufferObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How each run of a journal ended, as far as the journal and its data directory tell. A system that closes writes
 * {@code ttm.stopped} ("run ID stopped after stamp N") once it is down, and the next start removes it; a start that
 * does not find it takes the last run for a crashed one and reclaims what that run's clients held, each reclaim that
 * freed something being a journaled {@code Reclaim}. So the last run stopped cleanly iff the marker names it, and an
 * earlier run crashed if the next one began with journaled reclaims (a crash that left nothing held leaves none).
 */
record RunEndings(List<Span> spans, String marker) {
    /** One run: its entries, stamps, and the reclaims it made (which only follow a crash). */
    record Span(RunStarted run, long entries, long firstStamp, long lastStamp, long reclaims) {}

    enum Ending { CLEAN, CRASHED, CLEAN_OR_NOTHING_HELD }

    static RunEndings of(JournalReader.Contents c) {
        Map<String, long[]> byRun = new HashMap<>();
        for (JournalEntry e : c.entries()) {
            // entries, first stamp, last stamp, reclaims
            long[] a = byRun.computeIfAbsent(e.recorded().runId(), k -> new long[]{0, Long.MAX_VALUE, 0, 0});
            a[0]++;
            a[1] = Math.min(a[1], e.stamp());
            a[2] = Math.max(a[2], e.stamp());
            if (e.recorded().input() instanceof BufferObject.Reclaim) a[3]++;
        }
        List<Span> spans = new ArrayList<>(c.runs().size());
        for (RunStarted r : c.runs()) {
            long[] a = byRun.getOrDefault(r.runId(), new long[]{0, 0, 0, 0});
            spans.add(new Span(r, a[0], a[0] == 0 ? 0 : a[1], a[2], a[3]));
        }
        return new RunEndings(spans, readMarker(c.dataDir()));
    }

    private static String readMarker(Path dataDir) {
        Path m = dataDir.resolve(TtmSystem.STOP_MARKER);
        try {
            return Files.isRegularFile(m) ? Files.readString(m).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    Ending ending(int i) {
        assert i >= 0 && i < spans.size();
        if (i == spans.size() - 1) return marker != null && marker.contains(spans.get(i).run().runId()) ? Ending.CLEAN : Ending.CRASHED;
        return spans.get(i + 1).reclaims() > 0 ? Ending.CRASHED : Ending.CLEAN_OR_NOTHING_HELD;
    }

    /** One line for run {@code i} (from 0), in the project's words. */
    String describe(int i, int inFlightAtEnd) {
        Span s = spans.get(i);
        String stamps = s.entries() == 0 ? "no entries" : String.format("%,d entries, stamps %,d .. %,d", s.entries(), s.firstStamp(), s.lastStamp());
        return stamps + "; " + switch (ending(i)) {
            case CLEAN -> "stopped cleanly (" + TtmSystem.STOP_MARKER + ": " + marker + ")";
            case CRASHED -> i == spans.size() - 1
                    ? "no clean stop: the process crashed or was killed (no " + TtmSystem.STOP_MARKER + " for it in the data directory)"
                    + (inFlightAtEnd > 0 ? ", " + inFlightAtEnd + " message(s) in flight" : "")
                    : "crashed: run " + (i + 2) + " began by reclaiming what its clients held (" + spans.get(i + 1).reclaims() + " reclaim(s))";
            case CLEAN_OR_NOTHING_HELD -> "stopped cleanly, or crashed while its clients held nothing (run " + (i + 2) + " reclaimed nothing)";
        };
    }

    Map<String, Object> json(int i) {
        Span s = spans.get(i);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", s.run().runId());
        m.put("format", s.run().format());
        m.put("afterStamp", s.run().afterStamp());
        m.put("entries", s.entries());
        m.put("firstStamp", s.firstStamp());
        m.put("lastStamp", s.lastStamp());
        m.put("reclaims", s.reclaims());
        m.put("ending", switch (ending(i)) {
            case CLEAN -> "clean";
            case CRASHED -> "crashed";
            case CLEAN_OR_NOTHING_HELD -> "clean-or-nothing-held";
        });
        return m;
    }
}
