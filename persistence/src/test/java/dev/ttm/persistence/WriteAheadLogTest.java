package dev.ttm.persistence;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A crash's torn last record is told apart from damage in the middle of a write-ahead log. */
class WriteAheadLogTest {
    /** One full record (type 1) of {@code data}, as LevelDB writes it. */
    static byte[] record(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(new byte[] {1});
        c.update(data);
        int crc = (int) c.getValue();
        int masked = ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
        byte[] r = new byte[7 + data.length];
        for (int i = 0; i < 4; i++) r[i] = (byte) (masked >>> (8 * i));
        r[4] = (byte) data.length;
        r[5] = (byte) (data.length >>> 8);
        r[6] = 1;
        System.arraycopy(data, 0, r, 7, data.length);
        return r;
    }

    static byte[] log(int records, int zeros) {
        byte[] out = new byte[0];
        for (int i = 0; i < records; i++) {
            byte[] data = new byte[100 + i];
            Arrays.fill(data, (byte) ('a' + i));
            byte[] r = record(data);
            byte[] n = Arrays.copyOf(out, out.length + r.length);
            System.arraycopy(r, 0, n, out.length, r.length);
            out = n;
        }
        return Arrays.copyOf(out, out.length + zeros);
    }

    @Test
    void intactLogsWithOrWithoutZeroPadding() {
        assertEquals(WriteAheadLog.Kind.INTACT, WriteAheadLog.scan(log(5, 0)).kind());
        assertEquals(WriteAheadLog.Kind.INTACT, WriteAheadLog.scan(log(5, 4000)).kind());
    }

    @Test
    void aLastRecordCutShortOrZeroedIsATornTail() {
        byte[] cut = log(5, 0);
        assertEquals(WriteAheadLog.Kind.TORN_TAIL, WriteAheadLog.scan(Arrays.copyOf(cut, cut.length - 30)).kind());
        byte[] zeroed = log(5, 2000);
        int lastEnd = log(5, 0).length;
        Arrays.fill(zeroed, lastEnd - 40, lastEnd, (byte) 0); // the mapped page held only part of the record
        assertEquals(WriteAheadLog.Kind.TORN_TAIL, WriteAheadLog.scan(zeroed).kind());
    }

    @Test
    void aBadRecordFollowedByDataIsDamage() {
        byte[] b = log(5, 0);
        b[150] ^= 0x5a;
        WriteAheadLog.Verdict v = WriteAheadLog.scan(b);
        assertEquals(WriteAheadLog.Kind.DAMAGED, v.kind());
        assertEquals(107, v.offset(), "the second record");
    }
}
