package dev.ttm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Looking at a page the way a person would: Debian's headless {@code chromium} renders it to a PNG, and the picture
 * must not be blank. Without Chromium the test is skipped, unless {@code TTM_REQUIRE_CHROMIUM} is set (CI installs
 * Chromium and sets it, so there a missing browser fails instead of passing quietly).
 */
public final class Chromium {
    private Chromium() {}

    /** The browser's path; skips the calling test when there is none and CI does not require one. */
    public static String requireOrSkip() {
        String chromium = find();
        if (System.getenv("TTM_REQUIRE_CHROMIUM") != null) assertTrue(chromium != null, "TTM_REQUIRE_CHROMIUM is set but chromium is not on the PATH");
        assumeTrue(chromium != null, "chromium is not installed: skipped (.ci/run installs it)");
        return chromium;
    }

    static String find() {
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        return null;
    }

    /** Renders {@code page} in a {@code width} x {@code height} window into {@code PAGE.png} next to it (its log beside). */
    public static Path screenshot(String chromium, Path page, int width, int height) throws IOException, InterruptedException {
        Path dir = page.toAbsolutePath().getParent();
        Path png = dir.resolve(page.getFileName().toString().replace(".html", ".png"));
        Path log = dir.resolve(page.getFileName() + ".chromium.log");
        Path profile = Files.createTempDirectory(dir, "chromium");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--screenshot=" + png, "--window-size=" + width + "," + height, page.toUri().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(log));
        }
        assertTrue(Files.exists(png) && Files.size(png) > 0, "no screenshot: " + Files.readString(log));
        return png;
    }

    /** A picture, not a blank page: {@code width} wide, many colours, and more than 5% of it not white. */
    public static void assertNotBlank(Path png, int width) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(width, img.getWidth());
        Set<Integer> colours = new HashSet<>();
        long inked = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) inked++;
            }
        }
        long sampled = (long) (img.getHeight() / 2) * (img.getWidth() / 2);
        assertTrue(colours.size() > 64, png + ": a picture has many colours, this has " + colours.size());
        assertTrue(inked > sampled / 20, png + ": more than 5% of the page is not white: " + inked + " of " + sampled);
    }
}
