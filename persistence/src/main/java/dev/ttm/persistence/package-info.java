/**
 * The journal on disk: Pekko Persistence's LevelDB journal and local snapshot store under one data directory.
 *
 * <p>{@link dev.ttm.persistence.Journals} gives the configuration for a data directory (journal and snapshot
 * directories, {@code fsync}, native or pure-Java LevelDB: the native library is tried once per JVM and, if it does
 * not load, the pure-Java port is used with one WARN line saying why); {@link dev.ttm.persistence.DataDirLock}
 * keeps a second system off a directory in use ({@link dev.ttm.persistence.DataDirectoryInUseException}).
 * {@link dev.ttm.persistence.LevelDbJournalSetup} plugs both into {@code TtmSystem.start} through the
 * {@link dev.ttm.actors.JournalSetup} service, so that an application with this module on its class path only calls
 * {@code TtmSystem.start(config)} with {@code ttm.journal = leveldb}.
 *
 * <p>Configuration: {@code ttm.persistence} ({@code fsync}, {@code native}) in this module's {@code reference.conf},
 * and {@code ttm.data-dir} (ttm-actors).
 */
package dev.ttm.persistence;
