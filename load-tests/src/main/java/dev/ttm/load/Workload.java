package dev.ttm.load;

import dev.ttm.protocol.model.DeviceConfig;
import dev.ttm.protocol.model.Place;
import dev.ttm.protocol.model.Placement;
import dev.ttm.protocol.model.RegionConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The workload of a load run, all drawn from one seed: the BO population (slot {@code i} starts as BO {@code b<i>}
 * with a size from the size mix), the scanouts, and for each client a stream of {@link Op}s. The same settings and
 * seed give the same population and the same streams, whatever the runtime makes of them: which BO a slot holds when
 * an operation runs (churn renames them) and how operations interleave are up to the run.
 */
public final class Workload {
    /** The operation mix's keys. */
    public enum MixOp {
        EXECBUF, FAULT, VALIDATE, KMAP, UNMAP, PIN, CHURN;

        public static MixOp parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + s + "' is not an operation (execbuf, fault, validate, kmap, unmap, pin, churn)");
            }
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A BO of the starting population. */
    public record Bo(String name, long sizeBytes, int priority) {}

    /**
     * One operation a client will run. {@code slots}: the BO slots it works on (one, or an execbuf's distinct ones);
     * {@code placements}: one per slot (validate, execbuf, pin; null: pin where it is); {@code pageFraction}: where a
     * fault lands, as a fraction of the BO's pages; {@code newSizeBytes}: churn's new BO size; {@code holdNs}: how long
     * a pin is held or an execbuf's fence stays unsignalled.
     */
    public record Op(MixOp op, int[] slots, Placement[] placements, double pageFraction, long newSizeBytes, long holdNs) {}

    private final LoadSettings settings;
    private final List<Placement> validatePlacements = new ArrayList<>();
    private final Placement createPlacement;
    private final Placement scanoutPlacement;
    private final List<Bo> population;

    public Workload(LoadSettings settings) {
        this.settings = settings;
        DeviceConfig d = settings.ttm().device();
        boolean tt = d.regions().containsKey(RegionConfig.TT);
        String second = tt ? RegionConfig.TT : RegionConfig.SYSTEM;
        Placement vram = Placement.of(Place.of(RegionConfig.VRAM));
        Placement vramSecond = Placement.of(Place.of(RegionConfig.VRAM), Place.of(second));
        validatePlacements.add(vram);
        validatePlacements.add(vramSecond);
        validatePlacements.add(Placement.of(Place.visible(RegionConfig.VRAM)));
        validatePlacements.add(Placement.of(Place.of(second)));
        this.createPlacement = vramSecond;
        this.scanoutPlacement = Placement.of(Place.visible(RegionConfig.VRAM));
        this.population = drawPopulation();
    }

    public LoadSettings settings() {
        return settings;
    }

    /** Where BOs are created (VRAM, then TT or SYSTEM). */
    public Placement createPlacement() {
        return createPlacement;
    }

    /** Where scanouts are pinned: VRAM's CPU-visible window. */
    public Placement scanoutPlacement() {
        return scanoutPlacement;
    }

    public List<Bo> population() {
        return population;
    }

    /** The scanout BOs' names. */
    public List<String> scanouts() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < settings.scanouts(); i++) names.add("scanout" + i);
        return names;
    }

    /** Client {@code c}'s stream of operations (its own random generator, split off the seed in client order). */
    public Stream stream(int client) {
        if (client < 0 || client >= settings.clients()) throw new IllegalArgumentException("no client " + client);
        return new Stream(client, random("client-" + client));
    }

    /** The slots client {@code c} churns: every {@code clients}-th one, so no two clients churn one slot. */
    public int ownedSlots(int client) {
        int n = settings.bos();
        int c = settings.clients();
        return n / c + (client < n % c ? 1 : 0);
    }

    private List<Bo> drawPopulation() {
        SplittableRandom r = random("population");
        List<Bo> bos = new ArrayList<>(settings.bos());
        for (int i = 0; i < settings.bos(); i++) bos.add(new Bo("b" + i, settings.sizes().next(r), i % 16 == 0 ? 1 : 0));
        return List.copyOf(bos);
    }

    /** A generator for one purpose, from the seed and the purpose's name: adding a purpose changes no other stream. */
    private SplittableRandom random(String purpose) {
        return new SplittableRandom(settings.seed() ^ (purpose.hashCode() * 0x9E3779B97F4A7C15L));
    }

    /** One client's operations, drawn on demand. Not thread-safe: its client actor owns it. */
    public final class Stream {
        private final int client;
        private final SplittableRandom r;

        Stream(int client, SplittableRandom r) {
            this.client = client;
            this.r = r;
        }

        public Op next() {
            MixOp op = settings.mix().next(r);
            return switch (op) {
                case EXECBUF -> execbuf();
                case FAULT -> new Op(op, new int[] {slot()}, null, r.nextDouble(), 0, 0);
                case VALIDATE -> new Op(op, new int[] {slot()}, new Placement[] {placement()}, 0, 0, 0);
                case PIN -> new Op(op, new int[] {slot()}, new Placement[] {r.nextBoolean() ? null : placement()}, 0, 0, settings.pinTime().toNanos());
                case CHURN -> churn();
                default -> new Op(op, new int[] {slot()}, null, 0, 0, 0);
            };
        }

        private Op execbuf() {
            int n = settings.execbufMinBos() + r.nextInt(settings.execbufMaxBos() - settings.execbufMinBos() + 1);
            int[] slots = new int[n];
            Placement[] placements = new Placement[n];
            for (int i = 0; i < n; i++) {
                int s;
                do s = slot(); while (contains(slots, i, s));
                slots[i] = s;
                // Command submission wants its buffers in VRAM, most of them; some may live in TT.
                placements[i] = validatePlacements.get(r.nextInt(4) == 0 ? 1 : 0);
            }
            // --inject slow-moves=F: the GPU takes F times as long, and so do the moves pipelined behind its fences.
            long min = (long) (settings.fenceLatencyMin().toNanos() * settings.slowMoves());
            long max = (long) (settings.fenceLatencyMax().toNanos() * settings.slowMoves());
            return new Op(MixOp.EXECBUF, slots, placements, 0, 0, min + (max > min ? r.nextLong(max - min + 1) : 0));
        }

        private Op churn() {
            int owned = ownedSlots(client);
            if (owned == 0) return new Op(MixOp.FAULT, new int[] {slot()}, null, r.nextDouble(), 0, 0);
            int slot = client + settings.clients() * r.nextInt(owned);
            return new Op(MixOp.CHURN, new int[] {slot}, null, 0, settings.sizes().next(r), 0);
        }

        private Placement placement() {
            return validatePlacements.get(r.nextInt(validatePlacements.size()));
        }

        /** A slot, skewed: {@code hot.share} of the picks go to the first {@code hot.fraction} of the slots. */
        private int slot() {
            int n = settings.bos();
            int hot = Math.max(1, (int) (n * settings.hotFraction()));
            if (hot < n && r.nextDouble() >= settings.hotShare()) return hot + r.nextInt(n - hot);
            return r.nextInt(hot);
        }

        private boolean contains(int[] a, int len, int v) {
            for (int i = 0; i < len; i++) if (a[i] == v) return true;
            return false;
        }
    }
}
