package dev.ttm.persistence;

import java.nio.file.Path;

/** Another process holding a data directory, for {@link DataDirLockTest}: locks it, says so, waits for stdin to close. */
public final class LockHolder {
    private LockHolder() {}

    public static void main(String[] args) throws Exception {
        try (DataDirLock lock = DataDirLock.acquire(Path.of(args[0]))) {
            System.out.println("locked " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold it until the test lets go (or kills this process)
            }
        }
    }
}
