package dev.ttm.persistence;

/**
 * Whether the native LevelDB (leveldbjni) loads in this JVM. leveldbjni-all ships its library for Linux and Windows
 * on x86 and x86-64 and for macOS; loading it unpacks it to the temporary directory and loads it there. Tried once per
 * JVM: a class whose initialization failed stays unusable, so a second try would say nothing new.
 */
public final class NativeLevelDb {
    private NativeLevelDb() {}

    /** {@code loaded}, or why not. */
    public record Probe(boolean loaded, String reason) {
        public static Probe ok() {
            return new Probe(true, null);
        }

        public static Probe failed(String reason) {
            return new Probe(false, reason);
        }
    }

    private static final String FACTORY = "org.fusesource.leveldbjni.JniDBFactory";

    private static volatile Probe probe;

    /** The outcome of loading the native library (tried on the first call). */
    public static Probe probe() {
        Probe p = probe;
        if (p == null) {
            synchronized (NativeLevelDb.class) {
                if (probe == null) probe = tryLoad();
                p = probe;
            }
        }
        return p;
    }

    private static Probe tryLoad() {
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        try {
            // Initializing the factory loads the library (org.fusesource.hawtjni: NativeDB.LIBRARY.load()).
            Class.forName(FACTORY, true, NativeLevelDb.class.getClassLoader());
            return Probe.ok();
        } catch (ClassNotFoundException e) {
            return Probe.failed("leveldbjni is not on the class path");
        } catch (LinkageError | RuntimeException e) {
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            return Probe.failed("its library does not load on " + platform + ": " + cause);
        }
    }
}
