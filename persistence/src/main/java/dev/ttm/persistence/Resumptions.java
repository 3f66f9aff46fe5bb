package dev.ttm.persistence;

import dev.ttm.protocol.journal.DeviceSpec;
import dev.ttm.protocol.journal.JournalEntry;
import dev.ttm.protocol.journal.JournalFold;
import dev.ttm.protocol.journal.Resumption;
import dev.ttm.protocol.journal.RunStarted;
import dev.ttm.protocol.model.DeviceConfig;

import java.nio.file.Path;

/**
 * At the start of a system on a data directory: the whole journal folded through the model (the fold {@code ttm
 * replay} does), to find what the last run left unfinished ({@link Resumption}). Entities recover their own state from
 * their journals (and snapshots); this finds what lies between them: messages in flight, execbufs that had not
 * answered, requests not yet answered.
 */
public final class Resumptions {
    private Resumptions() {}

    /**
     * What to resume on {@code dataDir} (its lock held by the caller) for a system on {@code device}, read with the
     * native LevelDB or the pure-Java one as the system will write it ({@code useNative}).
     */
    public static Resumption plan(Path dataDir, DeviceConfig device, boolean useNative) {
        if (!JournalReader.hasJournal(dataDir)) return Resumption.NONE;
        JournalReader.Contents c;
        try {
            c = JournalReader.readHeld(dataDir, useNative);
        } catch (JournalProblem e) {
            throw new IllegalStateException("ttm: cannot resume from " + dataDir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (!c.runs().isEmpty()) {
            RunStarted last = c.runs().get(c.runs().size() - 1);
            if (!last.device().equals(DeviceSpec.of(device)))
                throw new IllegalStateException("ttm: " + dataDir.toAbsolutePath() + " was written by a system on another device (" + last.device()
                        + "); this one is configured with " + DeviceSpec.of(device) + ": start on another ttm.data-dir, or with the same ttm { } settings");
        }
        JournalFold fold = new JournalFold(device);
        long lastStamp = 0;
        for (JournalEntry e : c.entries()) {
            fold.apply(e);
            lastStamp = Math.max(lastStamp, e.recorded().stamp());
        }
        return Resumption.of(fold, lastStamp);
    }
}
