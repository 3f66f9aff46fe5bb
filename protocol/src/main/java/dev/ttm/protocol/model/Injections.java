package dev.ttm.protocol.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The injected faults one entity consumes, in order. Part of that entity's state: arming one and using one are
 * events ({@link #arm}, {@link #consume}), so that replay sees the same failures. Those declared at set-up all
 * apply, in declaration order; one armed during a run replaces every earlier one for the same hook (or, for a
 * region, for its allocator), as the scenario language says.
 */
public final class Injections {
    private final List<Injection> armed = new ArrayList<>();
    private final List<Integer> used = new ArrayList<>();

    public Injections(List<Injection> injections) {
        for (Injection i : injections) {
            armed.add(i);
            used.add(0);
        }
    }

    /** Injections armed and used so far as a snapshot says ({@code used.get(i)}: how often {@code armed.get(i)} fired). */
    static Injections restore(List<Injection> armed, List<Integer> used) {
        if (armed.size() != used.size()) throw new IllegalArgumentException("armed and used injections differ in number");
        Injections out = new Injections(armed);
        for (int i = 0; i < used.size(); i++) out.used.set(i, used.get(i));
        return out;
    }

    /** The index of the injection that fires next for this kind, or -1. Pure. */
    public int next(Injection.Kind kind) {
        for (int i = 0; i < armed.size(); i++) {
            Injection inj = armed.get(i);
            if (inj.kind() == kind && (inj.always() || used.get(i) < inj.count())) return i;
        }
        return -1;
    }

    public Injection get(int index) {
        return armed.get(index);
    }

    /** The armed injections, in order (read-only; for {@link StateDigest}). */
    List<Injection> armed() {
        return java.util.Collections.unmodifiableList(armed);
    }

    /** How often each armed injection has fired, by index (read-only; for {@link StateDigest}). */
    List<Integer> used() {
        return java.util.Collections.unmodifiableList(used);
    }

    void consume(int index) {
        used.set(index, used.get(index) + 1);
    }

    /** Arms {@code injection} from now on, in place of those armed for the same hook or region allocator. */
    void arm(Injection injection) {
        for (int i = armed.size() - 1; i >= 0; i--) {
            if (armed.get(i).replacedBy(injection)) {
                armed.remove(i);
                used.remove(i);
            }
        }
        armed.add(injection);
        used.add(0);
    }
}
