package dev.ttm.protocol.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ttm.protocol.scenario.Ast.*;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ScenarioParserTest {
    /** Four lines: the statement under test is line 5. */
    private static final String PRE = """
            region VRAM size=1MiB visible=256KiB
            region TT size=4MiB
            bo A size=64KiB
            bo B size=64KiB
            """;

    // ---- helpers ----

    private static Scenario ok(String src) {
        ParseResult r = ScenarioParser.parse("t.ttm", src);
        if (!r.ok()) {
            fail("unexpected script errors: " + r.errors());
        }
        assertTrue(r.errors().isEmpty());
        return r.scenario();
    }

    /** The last statement of PRE + line. */
    private static Stmt stmt(String line) {
        List<Stmt> body = ok(PRE + line + "\n").body();
        return body.get(body.size() - 1);
    }

    private static Op op(String line) {
        return ((OpStmt) stmt(line)).op();
    }

    private static List<Check> checks(String line) {
        return ((ExpectStmt) stmt(line)).checks();
    }

    private static ScriptError firstError(byte[] src) {
        ParseResult r = ScenarioParser.parse("t.ttm", src);
        assertNull(r.scenario(), "expected a script error");
        assertFalse(r.errors().isEmpty());
        return r.errors().get(0);
    }

    /** Asserts the first error is at line:col and its message contains {@code fragment}. */
    private static void err(String src, int line, int col, String fragment) {
        ScriptError e = firstError(src.getBytes(StandardCharsets.UTF_8));
        assertEquals("t.ttm:" + line + ":" + col, e.pos().toString(), () -> "error was: " + e);
        assertTrue(e.message().contains(fragment), () -> "error was: " + e + ", wanted: " + fragment);
    }

    /** An error in {@code line} (line 5, after PRE), at the first occurrence of {@code at}. */
    private static void lineErr(String line, String at, String fragment) {
        err(PRE + line + "\n", 5, line.indexOf(at) + 1, fragment);
    }

    /** An error in {@code line} (line 5, after PRE), at the last occurrence of {@code at}. */
    private static void lineErrLast(String line, String at, String fragment) {
        err(PRE + line + "\n", 5, line.lastIndexOf(at) + 1, fragment);
    }

    private static PlaceSpec place(String region) {
        return new PlaceSpec(region, false, false, false, false, null, null);
    }

    private static PlacementSpec placement(PlaceSpec... places) {
        return new PlacementSpec(List.of(places));
    }

    // ---- set-up ----

    @Nested
    class SetUp {
        @Test
        void emptyFileHasDefaultsAndSystem() {
            Scenario s = ok("");
            assertEquals(new DeviceDecl(4096, "simple", null, "ticket", false), s.device());
            assertEquals(1, s.regions().size());
            RegionDecl sys = s.regions().get(0);
            assertEquals("SYSTEM", sys.name());
            assertNull(sys.sizeBytes());
            assertTrue(sys.cpuVisible());
            assertEquals(List.of(), sys.evictTo());
            assertTrue(s.body().isEmpty());
        }

        @Test
        void deviceAllAttributes() {
            Scenario s = ok("device page=64KiB driver=io-lru aperture=1MiB\n");
            assertEquals(new DeviceDecl(65536, "io-lru", 1L << 20, "ticket", false), s.device());
        }

        @Test
        void pageSizeResolvedAfterTheBlock() {
            Scenario s = ok("region VRAM size=16p visible=2p\ndevice page=8KiB\nbo A size=2p\n");
            RegionDecl vram = s.regions().get(1);
            assertEquals(16L * 8192, vram.sizeBytes());
            assertEquals(2L * 8192, vram.visibleBytes());
            assertEquals(2L * 8192, ((BoOp) ((OpStmt) s.body().get(0)).op()).sizeBytes());
        }

        @Test
        void regionDefaults() {
            Scenario s = ok("region VRAM size=1MiB visible=256KiB\nregion TT size=1MiB\nregion PRIV size=64KiB\n");
            assertEquals(List.of("SYSTEM", "VRAM", "TT", "PRIV"), s.regions().stream().map(RegionDecl::name).toList());
            RegionDecl vram = s.regions().get(1);
            assertEquals(new RegionDecl(new Pos("t.ttm", 1, 1), "VRAM", 1L << 20, 256L << 10, false,
                    List.of("TT", "SYSTEM"), false), vram);
            RegionDecl tt = s.regions().get(2);
            assertTrue(tt.cpuVisible());
            assertEquals(List.of("SYSTEM"), tt.evictTo());
            RegionDecl priv = s.regions().get(3);
            assertFalse(priv.cpuVisible());
            assertEquals(List.of("SYSTEM"), priv.evictTo());
        }

        @Test
        void vramDefaultKeepsOnlyDeclaredRegions() {
            assertEquals(List.of("SYSTEM"), ok("region VRAM size=1MiB\n").regions().get(1).evictTo());
        }

        @Test
        void explicitRegionSettings() {
            Scenario s = ok("region TT size=1MiB cpu-visible=no evict-to=purge\n"
                    + "region VRAM size=1MiB cpu-visible=yes evict-to=SYSTEM,TT\nregion SYSTEM size=8MiB\n");
            RegionDecl tt = s.regions().get(0);
            assertFalse(tt.cpuVisible());
            assertTrue(tt.purge());
            assertEquals(List.of(), tt.evictTo());
            RegionDecl vram = s.regions().get(1);
            assertTrue(vram.cpuVisible());
            assertEquals(List.of("SYSTEM", "TT"), vram.evictTo());
            RegionDecl sys = s.regions().get(2);
            assertEquals("SYSTEM", sys.name());
            assertEquals(8L << 20, sys.sizeBytes());
            assertEquals(3, s.regions().size());
        }

        @Test
        void forwardReferenceInEvictTo() {
            Scenario s = ok("region VRAM size=1MiB evict-to=PRIV\nregion PRIV size=1MiB\n");
            assertEquals(List.of("PRIV"), s.regions().get(1).evictTo());
        }

        @Test
        void injections() {
            Scenario s = ok("region VRAM size=1MiB\ninject VRAM alloc=nospace count=2\ninject VRAM alloc=busy\n"
                    + "inject driver io-reserve=ENOSPC\ninject driver fault-notify=ERESTARTSYS count=1\n");
            assertEquals(List.of(
                    new Injection(new Pos("t.ttm", 2, 1), "VRAM", "nospace", null, 2),
                    new Injection(new Pos("t.ttm", 3, 1), "VRAM", "busy", null, null),
                    new Injection(new Pos("t.ttm", 4, 1), "driver", "io-reserve", "ENOSPC", null),
                    new Injection(new Pos("t.ttm", 5, 1), "driver", "fault-notify", "ERESTARTSYS", 1)),
                    s.injections());
        }

        @Test
        void commentsBlankLinesTabsCrlfAndBom() {
            byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
            String text = "# header\r\n\r\nregion\tVRAM  size=1MiB   # trailing\r\n   \r\nbo A size=4KiB# x\r\n";
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[bom.length + body.length];
            System.arraycopy(bom, 0, all, 0, bom.length);
            System.arraycopy(body, 0, all, bom.length, body.length);
            ParseResult r = ScenarioParser.parse("t.ttm", all);
            assertTrue(r.ok(), () -> r.errors().toString());
            assertEquals(new Pos("t.ttm", 5, 1), r.scenario().body().get(0).pos());
        }
    }

    // ---- operations ----

    @Nested
    class Operations {
        @Test
        void bo() {
            assertEquals(new BoOp("C", 4096, null, 0), op("bo C size=4096"));
            assertEquals(new BoOp("C", 16 * 4096, placement(place("VRAM")), 2), op("bo C size=16p in VRAM priority=2"));
            assertEquals(new BoOp("C", 1L << 30, placement(), 0), op("bo C in none size=1GiB"));
            assertEquals(new BoOp("C", 1L << 20, null, 3), op("bo C size=1MiB priority=3"));
        }

        @Test
        void placements() {
            PlacementSpec p = ((ValidateOp) op(
                    "validate A VRAM:visible:topdown,TT:desired,VRAM:range=16..32:fallback,GTT")).placement();
            assertEquals(placement(
                    new PlaceSpec("VRAM", true, false, false, true, null, null),
                    new PlaceSpec("TT", false, true, false, false, null, null),
                    new PlaceSpec("VRAM", false, false, true, false, 16L, 32L),
                    place("GTT")), p);
            assertFalse(p.isNone());
            assertTrue(((ValidateOp) op("validate A none")).placement().isNone());
        }

        @Test
        void reservation() {
            assertEquals(new ReserveOp("A", "k", null, false), op("reserve A by=k"));
            assertEquals(new ReserveOp("A", "t1", 7L, true), op("reserve A nowait ticket=7 by=t1"));
            assertEquals(new UnreserveOp("A", "k"), op("unreserve A by=k"));
        }

        @Test
        void validate() {
            assertEquals(new ValidateOp("A", placement(place("TT")), null, false), op("validate A TT"));
            assertEquals(new ValidateOp("A", placement(place("TT")), "k", true), op("validate A TT by=k nowait"));
        }

        @Test
        void cpuAccess() {
            assertEquals(new FaultOp("A", 3), op("fault A page=3"));
            assertEquals(new KmapOp("A", "fbdev"), op("kmap A by=fbdev"));
            assertEquals(new KunmapOp("A", "fbdev"), op("kunmap A by=fbdev"));
            assertEquals(new UnmapOp("A"), op("unmap A"));
        }

        @Test
        void pinning() {
            assertEquals(new PinOp("A", null, null), op("pin A"));
            assertEquals(new PinOp("A", placement(new PlaceSpec("VRAM", true, false, false, false, null, null)), "d"),
                    op("pin A VRAM:visible by=d"));
            assertEquals(new PinOp("A", null, "d"), op("pin A by=d"));
            assertEquals(new UnpinOp("A", null), op("unpin A"));
            assertEquals(new UnpinOp("A", "d"), op("unpin A by=d"));
        }

        @Test
        void fencesAndDestroy() {
            assertEquals(new FenceOp("A"), op("fence A"));
            assertEquals(new SignalOp("A"), op("signal A"));
            assertEquals(new DestroyOp("A"), op("destroy A"));
            assertEquals(new EvictAllOp("VRAM"), op("evict-all VRAM"));
            assertEquals(new EvictAllOp("SYSTEM"), op("evict-all SYSTEM"));
        }

        @Test
        void execbuf() {
            assertEquals(new ExecbufOp(List.of(
                    new ExecEntry("A", placement(place("VRAM"))),
                    new ExecEntry("B", placement(place("TT"), new PlaceSpec("VRAM", true, false, false, false, null, null)))),
                    5, true), op("execbuf A:VRAM B:TT,VRAM:visible ticket=5 fence"));
            assertEquals(new ExecbufOp(List.of(new ExecEntry("A", placement(place("TT")))), 0, false),
                    op("execbuf ticket=0 A:TT"));
        }

        @Test
        void expectedOutcome() {
            OpStmt s = (OpStmt) stmt("kmap A by=k   expect ENOMEM");
            assertEquals(new Expected(new Pos("t.ttm", 5, 15), "ENOMEM"), s.expect());
            assertEquals(new Pos("t.ttm", 5, 1), s.pos());
            assertNull(((OpStmt) stmt("kmap A by=k")).expect());
            for (String o : List.of("OK", "EBUSY", "EALREADY", "EDEADLK", "ERESTARTSYS", "EINVAL", "ENOMEM", "EPERM",
                    "ENOENT", "MAPPED", "RETRY", "SIGBUS", "OOM")) {
                assertEquals(o, ((OpStmt) stmt("fault A page=0 expect " + o)).expect().outcome());
            }
        }
    }

    // ---- concurrency ----

    @Nested
    class Concurrency {
        @Test
        void startAwaitSettleSchedule() {
            List<Stmt> body = ok(PRE + "schedule random seed=42\nstart reserve A by=t2 as h\n"
                    + "start bo C size=4KiB in VRAM as h2\nexpect C pinned=0\nawait h expect EBUSY\nawait h2\nsettle\n"
                    + "start reserve A by=t3 as h\nawait h\n").body();
            assertEquals(new ScheduleStmt(new Pos("t.ttm", 5, 1), 42), body.get(2));
            assertEquals(new StartStmt(new Pos("t.ttm", 6, 1), new ReserveOp("A", "t2", null, false), "h"), body.get(3));
            assertTrue(((StartStmt) body.get(4)).op() instanceof BoOp);
            assertEquals(new AwaitStmt(new Pos("t.ttm", 9, 1), "h", new Expected(new Pos("t.ttm", 9, 9), "EBUSY")),
                    body.get(6));
            assertEquals(new AwaitStmt(new Pos("t.ttm", 10, 1), "h2", null), body.get(7));
            assertEquals(new SettleStmt(new Pos("t.ttm", 11, 1)), body.get(8));
            assertEquals(11, body.size());
        }

        @Test
        void seedMayBeAnyNonNegativeLong() {
            assertEquals(Long.MAX_VALUE, ((ScheduleStmt) stmt("schedule random seed=" + Long.MAX_VALUE)).seed());
        }
    }

    // ---- expectations ----

    @Nested
    class Expectations {
        @Test
        void placementChecks() {
            assertEquals(List.of(new InCheck("A", "VRAM", true)), checks("expect A in VRAM:visible"));
            assertEquals(List.of(new InCheck("A", "TT", false)), checks("expect A in TT"));
            assertEquals(List.of(new InCheck("A", null, false)), checks("expect A in none"));
            assertEquals(List.of(new InCheck("A", "SYSTEM", false)), checks("expect A in SYSTEM"));
        }

        @Test
        void boCountersAndFlags() {
            assertEquals(List.of(new BoCounterCheck("A", "pinned", 1), new BoCounterCheck("A", "kmaps", 0),
                    new BoCounterCheck("A", "io-refs", 2)), checks("expect A pinned=1 kmaps=0 io-refs=2"));
            assertEquals(List.of(new BoFlagCheck("A", "mapped", true), new BoFlagCheck("A", "io", true),
                    new BoFlagCheck("A", "busy", false), new BoFlagCheck("A", "destroyed", false)),
                    checks("expect A mapped=yes io=reserved busy=no destroyed=no"));
            assertEquals(List.of(new BoFlagCheck("A", "io", false)), checks("expect A io=free"));
            assertEquals(List.of(new InCheck("A", "TT", false), new BoCounterCheck("A", "pinned", 0)),
                    checks("expect A in TT pinned=0"));
        }

        @Test
        void reservedBy() {
            assertEquals(List.of(new ReservedByCheck("A", "k")), checks("expect A reserved-by=k"));
            assertEquals(List.of(new ReservedByCheck("A", null)), checks("expect A reserved-by=none"));
        }

        @Test
        void regionChecks() {
            assertEquals(List.of(new RegionUsageCheck("VRAM", "used", 0), new RegionUsageCheck("VRAM", "free", 1L << 20)),
                    checks("expect VRAM used=0 free=1MiB"));
            assertEquals(List.of(new LruCheck("VRAM", List.of("B", "A"))), checks("expect VRAM lru=B,A"));
            assertEquals(List.of(new LruCheck("TT", List.of())), checks("expect TT lru="));
            assertEquals(List.of(new RegionUsageCheck("SYSTEM", "used", 8192)), checks("expect SYSTEM used=2p"));
        }

        @Test
        void deviceCounters() {
            assertEquals(List.of(new DeviceCounterCheck("moved", 65536), new DeviceCounterCheck("evictions", 1)),
                    checks("expect moved=64KiB evictions=1"));
            assertEquals(List.of(new DeviceCounterCheck("io-reserves", 1), new DeviceCounterCheck("io-frees", 1)),
                    checks("expect io-reserves=1 io-frees=1"));
            assertEquals(List.of(new DeviceCounterCheck("warnings", 0), new DeviceCounterCheck("moved", 0)),
                    checks("expect warnings=0 moved=0"));
        }

        @Test
        void invariants() {
            assertEquals(List.of(new InvariantsOkCheck()), checks("expect invariants ok"));
            assertEquals(List.of(new ViolationCheck("INV-1")), checks("expect violation INV-1"));
            assertEquals(List.of(new ViolationCheck("INV-13")), checks("expect violation INV-13"));
        }

        @Test
        void specExamplesParse() {
            ok("""
                    region VRAM size=1MiB visible=256KiB
                    region TT size=4MiB
                    bo fb size=256KiB
                    pin fb VRAM:visible    expect OK
                    kmap fb by=fbdev       expect OK     # pinned: no reservation needed
                    bo big size=768KiB in VRAM   expect OK
                    bo more size=64KiB in VRAM   expect OK   # evicts big (fb is pinned)
                    expect big in TT
                    expect fb in VRAM:visible
                    kunmap fb by=fbdev
                    unpin fb               expect OK
                    unpin fb               expect EINVAL     # already zero: no change, one warning
                    expect warnings=1
                    expect invariants ok
                    """);
        }
    }

    // ---- errors: encoding and lexical ----

    @Nested
    class EncodingErrors {
        @Test
        void invalidUtf8Byte() {
            byte[] src = {'#', ' ', 'A', '\n', 'b', 'o', ' ', (byte) 0xFF, '\n'};
            ScriptError e = firstError(src);
            assertEquals("t.ttm:2:4: invalid UTF-8 byte 0xFF", e.toString());
        }

        @Test
        void overlongAndSurrogateAndTruncated() {
            assertEquals("t.ttm:1:2", firstError(new byte[] {'#', (byte) 0xC0, (byte) 0x80}).pos().toString());
            assertEquals("t.ttm:1:2", firstError(new byte[] {'#', (byte) 0xED, (byte) 0xA0, (byte) 0x80}).pos().toString());
            assertEquals("t.ttm:1:3", firstError(new byte[] {'#', ' ', (byte) 0xE2, (byte) 0x82}).pos().toString());
        }

        @Test
        void columnsCountCharactersNotBytes() {
            ScriptError e = firstError("# é€\u0001".getBytes(StandardCharsets.UTF_8));
            assertEquals("t.ttm:1:5: control character U+0001 is not allowed", e.toString());
        }

        @Test
        void controlCharacters() {
            err("bo A\u0000 size=4096\n", 1, 5, "control character U+0000");
            err("\n\n\u007f\n", 3, 1, "control character U+007F");
        }

        @Test
        void longLine() {
            ok("#" + "x".repeat(9999) + "\n");
            err("\n#" + "x".repeat(10000) + "\n", 2, 10001, "line longer than 10000 characters");
        }

        @Test
        void keywordsAreLowerCase() {
            lineErr("Reserve A by=k", "Reserve", "unknown statement 'Reserve' (keywords are lower case)");
            lineErr("frobnicate A", "frobnicate", "unknown statement 'frobnicate'");
        }

        @Test
        void names() {
            lineErr("bo 9A size=4096", "9A", "invalid buffer object name '9A'");
            lineErr("bo none size=4096", "none", "reserved word");
            lineErr("reserve A by=k-1", "k-1", "invalid owner name 'k-1'");
            err("region vram size=1MiB\n", 1, 8, "region names are upper case");
        }
    }

    // ---- errors: attributes and numbers ----

    @Nested
    class AttributeErrors {
        @Test
        void missingRequired() {
            lineErr("bo C", "bo", "missing required attribute 'size'");
            lineErr("reserve A", "reserve", "missing required attribute 'by'");
            lineErr("fault A", "fault", "missing required attribute 'page'");
            lineErr("execbuf A:VRAM", "execbuf", "missing required attribute 'ticket'");
            lineErr("reserve", "reserve", "missing buffer object name");
        }

        @Test
        void unknownDuplicatedExtra() {
            lineErr("reserve A by=k color=red", "color", "unknown attribute 'color'");
            lineErr("reserve A by=k by=j", "by=j", "duplicated attribute 'by'");
            lineErr("reserve A by=k foo", "foo", "unexpected 'foo'");
            lineErr("destroy A B", "B", "unexpected 'B'");
            lineErr("settle now", "now", "unexpected 'now'");
            lineErr("reserve A nowait nowait by=k", "nowait by", "duplicated 'nowait'");
        }

        @Test
        void spacesAroundEquals() {
            lineErr("reserve A by = k", "by", "no spaces allowed around '='");
            lineErr("reserve A by= k", "by", "no spaces allowed around '='");
            lineErr("reserve A by=", "by", "missing value for 'by'");
        }

        @Test
        void numbers() {
            lineErr("fault A page=4611686018427387905", "4611", "number too large");
            lineErr("fault A page=99999999999999999999999", "9999", "number too large");
            lineErr("fault A page=-1", "-1", "invalid number '-1'");
            lineErr("fault A page=0x10", "0x10", "invalid number");
            lineErr("reserve A by=k ticket=1e3", "1e3", "invalid number");
            lineErr("schedule random seed=9223372036854775808", "9223", "number too large");
            ok(PRE + "fault A page=4611686018427387904\n");
        }

        @Test
        void sizes() {
            lineErr("bo C size=1000", "1000", "not a whole number of pages");
            lineErr("bo C size=0", "0", "size must be positive");
            lineErr("bo C size=1048577GiB", "1048577", "number too large");
            lineErr("bo C size=281474976710657p", "2814", "number too large");
            lineErr("bo C size=4KB", "4KB", "unknown size unit 'KB'");
            lineErr("bo C size=1.5MiB", "1.5", "invalid size");
            lineErr("expect VRAM used=100", "100", "not a whole number of pages");
            ok(PRE + "bo C size=1048576GiB\n");
        }

        @Test
        void priority() {
            lineErrLast("bo C size=4096 priority=4", "4", "priority must be 0..3");
        }
    }

    // ---- errors: set-up ----

    @Nested
    class SetUpErrors {
        @Test
        void setUpAfterFirstOperation() {
            lineErr("region PRIV size=1MiB", "region", "must come before the first operation");
            err("expect invariants ok\ndevice page=4096\n", 2, 1, "must come before");
        }

        @Test
        void injectBetweenOperations() {
            Stmt s = stmt("inject driver io-reserve=EBUSY count=2");
            assertEquals(new Ast.InjectStmt(new Pos("t.ttm", 5, 1), new Ast.Injection(new Pos("t.ttm", 5, 1), "driver", "io-reserve", "EBUSY", 2)), s);
            Stmt r = stmt("inject VRAM alloc=busy");
            assertEquals("VRAM", ((Ast.InjectStmt) r).injection().target());
            lineErr("inject PRIV alloc=busy", "PRIV", "unknown region 'PRIV'");
            lineErr("inject VRAM alloc=later", "later", "invalid value");
        }

        @Test
        void deviceRules() {
            err("device\ndevice\n", 2, 1, "'device' given twice");
            err("device page=3000\n", 1, 13, "power of two");
            err("device page=256\n", 1, 13, "power of two");
            err("device page=2GiB\n", 1, 13, "power of two");
            err("device page=2p\n", 1, 13, "cannot be given in pages");
            err("device driver=fancy\n", 1, 15, "unknown driver 'fancy'");
            err("device aperture=1000\n", 1, 17, "not a whole number of pages");
            err("device aperture=0\n", 1, 17, "size must be positive");
            ok("device page=512\n");
            ok("device page=1GiB driver=v3-atomic\n");
        }

        @Test
        void apertureOnlyUnderIoLru() {
            err("device aperture=64KiB\n", 1, 17, "aperture applies only to driver=io-lru (the driver is simple)");
            err("device driver=simple aperture=64KiB\n", 1, 31, "aperture applies only to driver=io-lru");
            err("device aperture=64KiB driver=v3-atomic\n", 1, 17,
                    "aperture applies only to driver=io-lru (the driver is v3-atomic)");
            ok("device aperture=64KiB driver=io-lru\n");
        }

        @Test
        void regionRules() {
            err("region TT size=1MiB\nregion TT size=1MiB\n", 2, 8, "region 'TT' declared twice");
            err("region VRAM\n", 1, 1, "missing required attribute 'size'");
            err("region SYSTEM visible=4096\n", 1, 15, "'visible' not allowed");
            err("region SYSTEM evict-to=TT\n", 1, 15, "'evict-to' not allowed");
            err("region VRAM size=1MiB visible=2MiB\n", 1, 31, "larger than region 'VRAM'");
            err("region VRAM size=1MiB visible=0\n", 1, 31, "size must be positive");
            err("region VRAM size=1MiB cpu-visible=maybe\n", 1, 35, "expected yes or no");
            ok("region VRAM size=1MiB visible=1MiB\n");
        }

        @Test
        void evictTargets() {
            err("region VRAM size=1MiB evict-to=GTT\n", 1, 32, "unknown region 'GTT' in evict-to");
            err("region VRAM size=1MiB evict-to=VRAM\n", 1, 32, "cannot evict to itself");
            err("region VRAM size=1MiB evict-to=TT,purge\nregion TT size=1MiB\n", 1, 35, "'purge' must be the whole");
            err("region VRAM size=1MiB evict-to=\n", 1, 23, "missing value for 'evict-to'");
        }

        @Test
        void evictionCycles() {
            err("region TT size=1MiB evict-to=VRAM\nregion VRAM size=1MiB\n", 2, 8,
                    "eviction targets form a cycle: VRAM -> TT -> VRAM");
            err("region A1 size=4096 evict-to=B1\nregion B1 size=4096 evict-to=C1\nregion C1 size=4096 evict-to=A1\n",
                    3, 21, "eviction targets form a cycle: C1 -> A1 -> B1 -> C1");
        }

        @Test
        void injectionRules() {
            err("inject PRIV alloc=nospace\n", 1, 8, "unknown region 'PRIV'");
            err("inject driver io-reserve=ERESTARTSYS\n", 1, 26, "expected EBUSY, ENOSPC or EIO");
            err("inject driver fault-notify=ENOSPC\n", 1, 28, "expected EBUSY, ERESTARTSYS or EIO");
            err("inject driver\n", 1, 1, "exactly one of io-reserve= or fault-notify=");
            err("region VRAM size=1MiB\ninject VRAM alloc=full\n", 2, 19, "expected nospace or busy");
            err("region VRAM size=1MiB\ninject VRAM alloc=busy count=0\n", 2, 30, "count must be at least 1");
            err("region VRAM size=1MiB\ninject VRAM count=2\n", 2, 1, "missing required attribute 'alloc'");
            err("region VRAM size=1MiB\ninject VRAM alloc=busy count=3000000000\n", 2, 30, "number too large");
        }
    }

    // ---- errors: body ----

    @Nested
    class BodyErrors {
        @Test
        void bufferObjects() {
            lineErr("reserve Z by=k", "Z", "unknown buffer object 'Z'");
            lineErr("bo A size=4KiB", "A", "buffer object 'A' already exists");
            lineErr("execbuf A:VRAM Z:TT ticket=1", "Z", "unknown buffer object 'Z'");
            lineErr("expect Z pinned=0", "Z", "unknown buffer object 'Z'");
            lineErr("expect VRAM lru=A,Z", "Z", "unknown buffer object 'Z'");
            lineErrLast("expect VRAM lru=A,A", "A", "listed twice");
            err(PRE + "start bo C size=4KiB as h\nexpect C pinned=0\nexpect D pinned=0\n", 7, 8, "unknown buffer object 'D'");
        }

        @Test
        void regions() {
            lineErr("expect GTT used=0", "GTT", "unknown region 'GTT'");
            lineErr("evict-all GTT", "GTT", "unknown region 'GTT'");
            lineErr("expect A in GTT", "GTT", "unknown region 'GTT'");
            lineErr("expect SYSTEM free=0", "free", "unbounded");
            ok(PRE + "validate A GTT expect ENOMEM\n");
        }

        @Test
        void placementRules() {
            err("region VRAM size=1MiB\nbo A size=4096\nvalidate A VRAM:visible\n", 3, 17, "no CPU-visible window");
            err("region VRAM size=1MiB\nbo A size=4096\nexpect A in VRAM:visible\n", 3, 18, "no CPU-visible window");
            ok("region VRAM size=1MiB cpu-visible=yes\nbo A size=4096\nvalidate A VRAM:visible\nvalidate A SYSTEM:visible\n");
            lineErr("validate A VRAM:range=4..4", "4..4", "empty range 4..4");
            lineErr("validate A VRAM:range=4", "4", "expected range=F..L");
            lineErr("validate A VRAM:range", "range", "unknown place flag 'range'");
            lineErr("validate A VRAM:range=1..2:range=3..4", "range=3", "duplicated place flag 'range'");
            err(PRE + "validate A VRAM:\n", 5, 17, "empty place flag");
            lineErr("validate A VRAM:sideways", "sideways", "unknown place flag 'sideways'");
            lineErr("validate A VRAM,none", "none", "'none' must be the whole placement");
            lineErr("validate A VRAM:desired:fallback", "VRAM", "both desired and fallback");
            lineErrLast("validate A VRAM:topdown:topdown", "topdown", "duplicated place flag 'topdown'");
            err(PRE + "validate A VRAM,\n", 5, 17, "empty place");
            lineErr("validate A by=k", "validate", "missing placement");
            lineErr("validate A vram", "vram", "region names are upper case");
            lineErr("bo C size=4KiB in", "in", "missing placement after 'in'");
            lineErr("pin A none", "none", "cannot pin to the empty placement");
            lineErr("expect A in VRAM:topdown", "topdown", "only ':visible'");
        }

        @Test
        void outcomes() {
            lineErr("kmap A by=k expect FINE", "FINE", "unknown outcome 'FINE'");
            lineErr("kmap A by=k expect ok", "ok", "unknown outcome 'ok'");
            lineErr("kmap A by=k expect", "expect", "missing outcome");
            lineErrLast("kmap A by=k expect OK OK", "OK", "unexpected 'OK'");
            lineErr("expect violation INV-15", "INV", "unknown invariant 'INV-15'");
            lineErr("expect violation INV-0", "INV", "unknown invariant 'INV-0'");
            lineErr("expect invariants", "invariants", "expected 'expect invariants ok'");
            lineErr("expect invariants fine", "fine", "expected 'expect invariants ok'");
        }

        @Test
        void expectationForms() {
            lineErr("expect A", "A", "missing check for 'A'");
            lineErr("expect A pinned=1 pinned=2", "pinned=2", "duplicated check 'pinned'");
            lineErr("expect A colour=red", "colour", "unknown check");
            lineErr("expect A mapped=maybe", "maybe", "expected yes or no");
            lineErr("expect A io=yes", "yes", "expected reserved or free");
            lineErr("expect speed=3", "speed", "unknown device counter 'speed'");
            lineErr("expect VRAM used=0 pinned=1", "pinned", "unknown check");
            lineErr("expect", "expect", "missing check");
            lineErr("expect VRAM", "VRAM", "missing check for 'VRAM'");
            lineErr("expect Q", "Q", "unknown buffer object 'Q'");
            lineErr("expect A in", "in", "missing region after 'in'");
            lineErr("expect A in TT in VRAM", "in VRAM", "duplicated check 'in'");
        }

        @Test
        void handles() {
            lineErr("start kmap A by=k as h expect OK", "expect", "'expect' is not allowed on a start line");
            lineErr("start kmap A by=k", "start", "must end with 'as HANDLE'");
            lineErr("start settle as h", "settle", "not an operation");
            lineErr("await h", "h", "unknown handle 'h'");
            err(PRE + "start reserve A by=t as h\nawait h\nawait h\n", 7, 7, "handle 'h' was already awaited");
            err(PRE + "start reserve A by=t as h\nstart reserve B by=u as h\n", 6, 25, "already in flight");
            ok(PRE + "start reserve A by=t as h\nawait h\nstart reserve B by=u as h\nawait h expect OK\n");
        }

        @Test
        void scheduleAndExecbuf() {
            lineErr("schedule seed=1", "seed", "expected 'schedule random seed=N'");
            lineErr("schedule random", "schedule", "missing required attribute 'seed'");
            lineErr("execbuf ticket=1", "execbuf", "at least one BO:PLACEMENT");
            lineErrLast("execbuf A:VRAM ticket=1 fence fence", "fence", "duplicated 'fence'");
        }
    }

    // ---- error collection ----

    @Nested
    class Collection {
        @Test
        void atMostTwentyErrorsInLineOrder() {
            StringBuilder src = new StringBuilder("region VRAM size=1MiB\n");
            for (int i = 0; i < 30; i++) {
                src.append("bogus\n");
            }
            ParseResult r = ScenarioParser.parse("t.ttm", src.toString());
            assertNull(r.scenario());
            assertEquals(20, r.errors().size());
            for (int i = 0; i < 20; i++) {
                assertEquals(i + 2, r.errors().get(i).pos().line());
            }
        }

        @Test
        void setUpResolutionErrorsAreSortedWithLineErrors() {
            ParseResult r = ScenarioParser.parse("t.ttm", "region VRAM size=1000\nregion TT siz=1\nbo A\n");
            assertEquals(List.of("t.ttm:1:18: size 1000 is not a whole number of pages (page size 4096)",
                    "t.ttm:2:11: unknown attribute 'siz'", "t.ttm:3:1: missing required attribute 'size'"),
                    r.errors().stream().map(ScriptError::toString).toList());
        }

        @Test
        void oneErrorPerLineAndNoCascades() {
            ParseResult r = ScenarioParser.parse("t.ttm", "region VRAM size=1MiB\nbo A size=1000\nreserve A by=k\n"
                    + "start reserve A by=k bad as h\nawait h\n");
            assertEquals(2, r.errors().size(), r.errors().toString());
        }

        @Test
        void nullInputs() {
            ParseResult r = ScenarioParser.parse(null, (byte[]) null);
            assertTrue(r.ok());
        }
    }

    // ---- robustness ----

    @Nested
    class Robustness {
        private static final String VALID = """
                device page=4096 driver=io-lru aperture=256KiB
                region VRAM size=1MiB visible=256KiB
                region TT size=4MiB evict-to=SYSTEM
                inject driver io-reserve=EBUSY count=1
                bo A size=64KiB in VRAM:topdown priority=1
                bo B size=16p in VRAM:visible,TT:range=0..64:desired
                reserve A by=k ticket=3 nowait expect OK
                kmap A by=k expect OK
                start validate B TT by=j as h
                execbuf A:VRAM B:TT,VRAM:visible ticket=5 fence
                await h expect EBUSY
                schedule random seed=7
                settle
                fault B page=3 expect MAPPED
                expect A in VRAM:visible pinned=0 io=reserved reserved-by=k
                expect VRAM used=128KiB free=896KiB lru=B,A
                expect moved=64KiB evictions=0 io-reserves=1 io-frees=1
                expect violation INV-3
                expect invariants ok
                evict-all VRAM
                """;
        private static final String[] WORDS = {"bo", "reserve", "expect", "in", "VRAM", "A", "size=", "4096", "=",
            ":", ",", "#", "\n", " ", "start", "as", "await", "none", "..", "range=", "p", "KiB", "\u00e9", "\r",
            "\t", "lru=", "INV-", "region", "device", "page=", "evict-to=", "purge", "ok"};

        @Test
        void validScriptParses() {
            Scenario s = ok(VALID);
            assertEquals(16, s.body().size());
        }

        @Test
        void randomBytesNeverThrow() {
            long seed = dev.ttm.protocol.TestSeeds.base("ScenarioParserTest.randomBytesNeverThrow", 20_261_130L);
            Random rnd = new Random(seed);
            for (int i = 0, n = dev.ttm.protocol.TestSeeds.count(2000); i < n; i++) {
                byte[] b = new byte[rnd.nextInt(400)];
                rnd.nextBytes(b);
                if (rnd.nextBoolean()) {
                    for (int k = 0; k < b.length; k++) {
                        b[k] = (byte) (32 + (b[k] & 0x7f) % 95);
                        if (rnd.nextInt(20) == 0) {
                            b[k] = '\n';
                        }
                    }
                }
                check(b, seed, i);
            }
        }

        @Test
        void mutationsOfAValidScriptNeverThrow() {
            long seed = dev.ttm.protocol.TestSeeds.base("ScenarioParserTest.mutationsOfAValidScriptNeverThrow", 20_261_131L);
            Random rnd = new Random(seed);
            byte[] base = VALID.getBytes(StandardCharsets.UTF_8);
            for (int i = 0, n = dev.ttm.protocol.TestSeeds.count(2000); i < n; i++) {
                check(mutate(base, rnd), seed, i);
            }
        }

        private static byte[] mutate(byte[] base, Random rnd) {
            StringBuilder s = new StringBuilder(new String(base, StandardCharsets.ISO_8859_1));
            int n = 1 + rnd.nextInt(6);
            for (int k = 0; k < n; k++) {
                int at = rnd.nextInt(s.length() + 1);
                switch (rnd.nextInt(4)) {
                    case 0 -> s.insert(at, WORDS[rnd.nextInt(WORDS.length)]);
                    case 1 -> s.delete(at, Math.min(s.length(), at + 1 + rnd.nextInt(8)));
                    case 2 -> s.insert(at, (char) rnd.nextInt(256));
                    default -> s.insert(at, String.valueOf(rnd.nextLong() & Long.MAX_VALUE));
                }
            }
            return s.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        private static void check(byte[] input, long seed, int i) {
            ParseResult r;
            try {
                r = ScenarioParser.parse("f.ttm", input);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " case " + i + " threw", t);
            }
            assertNotNull(r);
            assertEquals(r.scenario() == null, !r.errors().isEmpty(), () -> "seed " + seed + " case " + i);
            assertTrue(r.errors().size() <= 20);
            for (ScriptError e : r.errors()) {
                assertTrue(e.pos().line() >= 1 && e.pos().column() >= 1, () -> "seed " + seed + " case " + i + ": " + e);
                assertFalse(e.message().startsWith("internal error"), () -> "seed " + seed + " case " + i + ": " + e);
            }
        }
    }
}
