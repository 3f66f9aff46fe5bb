/**
 * The deterministic simulator: runs the model's entities on one thread, FIFO or seeded-random delivery
 * (per-channel order kept, as actors keep it). Same seed, same run: {@link dev.ttm.protocol.sim.DigestRecorder}
 * proves it.
 */
package dev.ttm.protocol.sim;
