package dev.ttm.load;

/**
 * A daemon thread of the harness (the clients' {@link Clock}, the open model's {@link Pacer}) that runs until it is
 * halted: {@link #halt} sets the flag its loop tests, wakes it from any wait, and waits for it to end.
 */
abstract class LoadThread extends Thread {
    protected volatile boolean halted;

    LoadThread(String name) {
        super(name);
        setDaemon(true);
    }

    final void halt() {
        halted = true;
        interrupt();
        try {
            join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
