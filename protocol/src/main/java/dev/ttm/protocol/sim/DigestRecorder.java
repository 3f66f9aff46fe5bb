package dev.ttm.protocol.sim;

import dev.ttm.protocol.model.Address;
import dev.ttm.protocol.model.Event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A SHA-256 over every delivered message and every applied event, in order: equal digests, equal runs. */
public final class DigestRecorder implements SimListener {
    private final MessageDigest sha;
    private long items;

    public DigestRecorder() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void beforeApply(Simulator sim, Address entity, Event event) {
        add("E " + entity + " " + event);
    }

    @Override
    public void afterDelivery(Simulator sim, Envelope env) {
        add("M " + env.seq() + " " + env.from() + " -> " + env.to() + " " + env.message());
    }

    private void add(String line) {
        sha.update(line.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        items++;
    }

    public long items() {
        return items;
    }

    public String hex() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
