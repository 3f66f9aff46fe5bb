package dev.ttm.actors.runtime;

import dev.ttm.protocol.model.Reply;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Where replies to clients land. An entity hands a reply over without blocking: the future of the request is
 * completed on {@code executor}, never on the entity's own thread, so that nothing a client chains onto it runs
 * inside an actor. With {@code retain}, replies are also kept by request id for a scenario runner to read.
 */
public final class ClientSink {
    private final Map<Long, CompletableFuture<Reply>> waiting = new ConcurrentHashMap<>();
    private final Map<Long, Reply> retained = new ConcurrentHashMap<>();
    private final Executor executor;
    private final boolean retain;

    public ClientSink(Executor executor, boolean retain) {
        this.executor = executor;
        this.retain = retain;
    }

    /** The future the reply to {@code requestId} completes; ask for it before the request is sent. */
    public CompletableFuture<Reply> expect(long requestId) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        if (waiting.putIfAbsent(requestId, f) != null) throw new IllegalStateException("request " + requestId + " awaited twice");
        return f;
    }

    void accept(Reply r) {
        if (retain) retained.putIfAbsent(r.requestId(), r);
        CompletableFuture<Reply> f = waiting.remove(r.requestId());
        if (f != null) executor.execute(() -> f.complete(r));
    }

    public Reply reply(long requestId) {
        return retained.get(requestId);
    }
}
