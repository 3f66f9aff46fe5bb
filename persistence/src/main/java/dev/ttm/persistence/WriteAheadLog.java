package dev.ttm.persistence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads a LevelDB write-ahead log (a {@code NNNNNN.log} file of the journal) record by record, to tell a crash from
 * damage. A process killed while LevelDB writes leaves the log's last record torn: cut short, or (LevelDB writes
 * logs through a memory map) with zeros where its end should be, and nothing but zeros after it. That record was
 * never acknowledged (its write had not returned), and LevelDB drops it when it opens the database without paranoid
 * checks, as Pekko's journal does. A bad record followed by more data is damage.
 *
 * <p>The format (LevelDB's doc/log_format.md): 32 KiB blocks of records, each a 7-byte header — masked CRC32C of
 * type and data (4 bytes, little-endian), data length (2), type (1) — then the data; a block's last bytes, too few for
 * a header, are zeros.
 */
final class WriteAheadLog {
    static final int BLOCK = 32 * 1024;
    static final int HEADER = 7;

    enum Kind { INTACT, TORN_TAIL, DAMAGED }

    /** What a scan found, and where the first bad record starts. */
    record Verdict(Kind kind, long offset) {}

    private WriteAheadLog() {}

    static Verdict scan(Path log) throws IOException {
        return scan(Files.readAllBytes(log));
    }

    static Verdict scan(byte[] b) {
        int pos = 0;
        while (pos < b.length) {
            int left = BLOCK - pos % BLOCK;
            if (left < HEADER) {
                pos += left;
                continue;
            }
            if (pos + HEADER > b.length) return tail(b, pos);
            int crc = le32(b, pos);
            int length = (b[pos + 4] & 0xff) | (b[pos + 5] & 0xff) << 8;
            int type = b[pos + 6] & 0xff;
            if (crc == 0 && length == 0 && type == 0) return zerosFrom(b, pos) ? new Verdict(Kind.INTACT, pos) : new Verdict(Kind.DAMAGED, pos);
            int end = pos + HEADER + length;
            if (HEADER + length > left) return new Verdict(Kind.DAMAGED, pos); // a record never crosses a block
            if (end > b.length) return new Verdict(Kind.TORN_TAIL, pos);
            if (!checksumOk(b, pos, length, crc)) return zerosFrom(b, end) ? new Verdict(Kind.TORN_TAIL, pos) : new Verdict(Kind.DAMAGED, pos);
            pos = end;
        }
        return new Verdict(Kind.INTACT, pos);
    }

    private static Verdict tail(byte[] b, int pos) {
        return zerosFrom(b, pos) ? new Verdict(Kind.INTACT, pos) : new Verdict(Kind.TORN_TAIL, pos);
    }

    private static boolean checksumOk(byte[] b, int pos, int length, int masked) {
        CRC32C c = new CRC32C();
        c.update(b, pos + 6, 1 + length);
        int rot = masked - 0xa282ead8;
        int expected = (rot >>> 17) | (rot << 15);
        return (int) c.getValue() == expected;
    }

    private static boolean zerosFrom(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] != 0) return false;
        return true;
    }

    private static int le32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }
}
