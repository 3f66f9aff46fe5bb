package dev.ttm.tools;

import static dev.ttm.tools.ReplayCommandTest.EXAMPLES;
import static dev.ttm.tools.ReplayCommandTest.ttm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ttm replay --why} and {@code --html} on journals written by {@code ttm run --journal}: the v3-atomic example's
 * violations explained in TTM's words (text and JSON), a clean journal's "no violation", and the HTML page's structure;
 * with Chromium on the machine (CI installs it), the page rendered headless and its screenshot checked not blank.
 */
class ReplayWhyHtmlTest {
    @TempDir
    static Path tmp;
    static Path v3;
    static Path clean;

    @BeforeAll
    static void record() {
        v3 = tmp.resolve("v3");
        clean = tmp.resolve("pipelined");
        assertEquals(0, ttm("run", "--journal", v3.toString(), EXAMPLES.resolve("08-v3-atomic-bugs.ttm").toString()).status());
        assertEquals(0, ttm("run", "--journal", clean.toString(), ReplayCommandTest.PIPELINED.toString()).status());
    }

    @Test
    void whyExplainsTheV3AtomicViolations() {
        ReplayCommandTest.Outcome o = ttm("replay", "--why", v3.toString());
        assertEquals(1, o.status(), o.err());
        String out = o.out();
        assertTrue(out.contains("why         INV-8 (io-balance) at stamp 8 (the first violation)"), out);
        assertTrue(out.contains("io_mem_free(A) on io at stamp 8 broke INV-8 (io-balance)"), out);
        assertTrue(out.contains("sent by unmap_virtual on bo:A at stamp 7"), out);
        assertTrue(out.contains("  > stamp 8  io  io_mem_free(A) (sent by bo:A at stamp 7)"), out);
        assertTrue(out.contains("<== broke INV-8"), out);
        assertTrue(out.contains("why         INV-7 (cpu-visible) at stamp 26 (the first INV-7)"), out);
        assertTrue(out.contains("    stamp 25  bo:P  kmap by a (from client:script): IO references now 1 (outside the BO reservation)"), out);
        assertTrue(out.contains("in flight then: io_mem_reserve(P) for a pinned BO, sent by bo:P at stamp 25 to io, taken only at stamp 27"), out);
    }

    @Test
    void whyOnACleanJournalSaysNoViolation() {
        ReplayCommandTest.Outcome o = ttm("replay", "--why", clean.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("why         no violation: every invariant held after every entry"), o.out());
    }

    @Test
    void jsonCarriesTheWhyChain() throws IOException {
        ReplayCommandTest.Outcome o = ttm("replay", "--json", "--why", v3.toString());
        assertEquals(1, o.status(), o.err());
        JsonNode why = new ObjectMapper().readTree(o.out()).get("why");
        assertEquals(3, why.size());
        JsonNode first = why.get(0);
        assertEquals("INV-8", first.get("invariant").asText());
        assertEquals(8, first.get("stamp").asLong());
        assertEquals("io", first.get("entity").asText());
        assertTrue(first.get("summary").asText().contains("A never held an IO reservation"));
        JsonNode steps = first.get("steps");
        JsonNode last = steps.get(steps.size() - 1);
        assertEquals(8, last.get("stamp").asLong());
        assertTrue(last.get("breaking").asBoolean());
        assertEquals(7, steps.get(steps.size() - 2).get("stamp").asLong());
        assertEquals(0, new ObjectMapper().readTree(ttm("replay", "--json", "--why", clean.toString()).out()).get("why").size());
        assertFalse(new ObjectMapper().readTree(ttm("replay", "--json", clean.toString()).out()).has("why"), "only when asked");
    }

    @Test
    void theHtmlPageIsSelfContainedWithOneSeriesPerBoGhostsTheWindowAndTheViolation() throws IOException {
        Path page = tmp.resolve("v3.html");
        ReplayCommandTest.Outcome o = ttm("replay", "--html", page.toString(), v3.toString());
        assertEquals(1, o.status(), "exit statuses unchanged: " + o.err());
        String html = Files.readString(page);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg class=\"map\" data-region=\"VRAM\""), "a map per region");
        assertEquals(Set.of("A", "P"), attributes(html, "data-bo"), "one series per BO");
        assertTrue(html.contains("class=\"window\""), "the CPU-visible window band");
        assertTrue(html.contains("CPU-visible window [0..64)"));
        assertTrue(html.contains("<pattern id=\"ghost-A\""), "ghost hatching");
        assertTrue(html.contains("class=\"vline\""), "the violation line on the map");
        assertTrue(html.contains("class=\"hit\""), "the violating BO outlined");
        assertTrue(html.contains("<tr class=\"first viol chain\" id=\"first-violation\"><td>8</td><td>io</td>"), "the violation row highlighted");
        assertTrue(html.contains("Why: the first violation"));
        assertNoNetwork(html);

        Path ghosts = tmp.resolve("pipelined.html");
        assertEquals(0, ttm("replay", "--html", ghosts.toString(), clean.toString()).status());
        String g = Files.readString(ghosts);
        assertTrue(g.contains("fill=\"url(#ghost-A)\""), "a ghost drawn hatched");
        assertTrue(g.contains("class=\"evict\""), "an eviction marked");
        assertTrue(g.contains("class=\"fault\""), "a fault marked");
        assertFalse(g.contains("class=\"vline\""), "no violation, no line");
        assertNoNetwork(g);
    }

    @Test
    void aLargeJournalStaysAReasonableSize() throws IOException {
        StringBuilder scenario = new StringBuilder("region VRAM size=256KiB visible=128KiB\nregion TT size=4MiB\n");
        for (int i = 0; i < 150; i++) scenario.append("bo B").append(i).append(" size=64KiB in VRAM\n"); // VRAM holds 4: the rest evicts
        Path file = tmp.resolve("many.ttm");
        Files.writeString(file, scenario);
        Path dir = tmp.resolve("many");
        assertEquals(0, ttm("run", "--journal", dir.toString(), file.toString()).status());
        Path page = tmp.resolve("many.html");
        assertEquals(0, ttm("replay", "--html", page.toString(), dir.toString()).status());
        String html = Files.readString(page);
        Matcher note = Pattern.compile("(\\d+) of (\\d+) entries shown").matcher(html);
        assertTrue(note.find(), "the table is sampled, with a note");
        assertTrue(Integer.parseInt(note.group(1)) <= ReplayHtml.MAX_ROWS, note.group());
        assertTrue(Integer.parseInt(note.group(2)) > ReplayHtml.MAX_ROWS, note.group());
        assertTrue(html.contains("and " + (150 - ReplayHtml.MAX_LEGEND) + " more BOs"), "the legend is capped");
        assertEquals(150, attributes(html, "data-bo").size(), "still one series per BO");
        assertTrue(Files.size(page) < 2_000_000, "size " + Files.size(page));
    }

    @Test
    void anUnwritableHtmlFileIsAUsageError() {
        ReplayCommandTest.Outcome o = ttm("replay", "--html", tmp.resolve("no/such/dir/x.html").toString(), clean.toString());
        assertEquals(2, o.status());
        assertTrue(o.err().startsWith("ttm replay: cannot write "), o.err());
    }

    /** Headless Chromium renders the page; the screenshot must show a picture, not a blank page. CI makes this run. */
    @Test
    void chromiumRendersThePage() throws Exception {
        String chromium = Chromium.requireOrSkip();
        Path page = tmp.resolve("shot.html");
        assertEquals(1, ttm("replay", "--html", page.toString(), v3.toString()).status());
        Chromium.assertNotBlank(Chromium.screenshot(chromium, page, 1400, 1000), 1400);
    }

    static Set<String> attributes(String html, String name) {
        Set<String> out = new HashSet<>();
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(html);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** Self-contained: nothing in a src or href points outside the page, and no script at all. */
    static void assertNoNetwork(String html) {
        Matcher m = Pattern.compile("(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        while (m.find()) assertFalse(m.group(2).contains("http") || m.group(2).startsWith("//"), "an external reference: " + m.group());
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.contains("http://") || html.contains("https://"), "no URL at all");
    }
}
