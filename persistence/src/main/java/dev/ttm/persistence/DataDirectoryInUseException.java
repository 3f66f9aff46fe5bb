package dev.ttm.persistence;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A system was started on a data directory another live system holds (see {@link DataDirLock}): two journals writing
 * the same LevelDB files would corrupt each other. Thrown at once, not after a timeout; names the directory and the
 * other process when its lock file says which.
 */
public final class DataDirectoryInUseException extends IllegalStateException {
    private final transient Path directory;
    private final long holderPid;
    private final boolean sameProcess;

    DataDirectoryInUseException(Path directory, long holderPid, String holder, boolean sameProcess) {
        super(message(directory, holder, sameProcess));
        this.directory = directory;
        this.holderPid = holderPid;
        this.sameProcess = sameProcess;
    }

    private static String message(Path directory, String holder, boolean sameProcess) {
        String who = sameProcess ? "another ttm system in this process" : "another ttm system";
        String what = holder == null || holder.isBlank() ? "" : " (" + holder + ")";
        String fix = sameProcess ? "close that system first" : "stop that process first";
        return "data directory " + directory + " is in use by " + who + what + ": " + fix + ", or start with another ttm.data-dir";
    }

    /** The data directory (absolute). */
    public Path directory() {
        return directory;
    }

    /** The process that holds it, if its lock file says. */
    public OptionalLong holderPid() {
        return holderPid > 0 ? OptionalLong.of(holderPid) : OptionalLong.empty();
    }

    /** Whether the holder is a system in this very process. */
    public boolean sameProcess() {
        return sameProcess;
    }
}
